"""Milepost: fixed-budget client projects delivered in milestones."""
