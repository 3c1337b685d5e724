"""Where projects stand against their plans and when the money comes: the forecast of each
milestone, slippage, the days each side held the work (``rules``, pure), the project timeline
and payment schedule (``timeline``), the organisation's cash flow (``cashflow``) and the charts
drawn for them (``svg``). A layer above reviews and billing: it reads what they recorded."""
