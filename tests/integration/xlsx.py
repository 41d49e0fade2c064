# SPDX-License-Identifier: AGPL-3.0-or-later
"""A tiny XLSX reader for the report tests (standard library only): an
.xlsx is a zip of XML parts. Reads every worksheet's cells in order, with
inline strings (what libxlsxwriter writes in constant-memory mode), shared
strings (in case), numbers and the number format of each cell's style. A
cell without `r` is the column after the previous one (the attribute is
optional; libxlsxwriter always writes it)."""

import io
import re
import xml.etree.ElementTree as ET
import zipfile

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def col_index(ref):
    """'A1' -> 0, 'AB7' -> 27."""
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def unescape(s):
    """Excel's escape of characters XML cannot hold: _xHHHH_ (ECMA-376
    ST_Xstring), as libxlsxwriter writes control characters."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), s)


class Book:
    def __init__(self, data):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        names = self.zip.namelist()
        self.shared = []
        if "xl/sharedStrings.xml" in names:
            root = ET.fromstring(self.zip.read("xl/sharedStrings.xml"))
            for si in root.findall("m:si", NS):
                self.shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
        # style index -> number format code
        self.formats = {}
        root = ET.fromstring(self.zip.read("xl/styles.xml"))
        codes = {14: "m/d/yyyy", 2: "0.00", 1: "0"}
        for nf in root.findall("m:numFmts/m:numFmt", NS):
            codes[int(nf.get("numFmtId"))] = nf.get("formatCode")
        for i, xf in enumerate(root.findall("m:cellXfs/m:xf", NS)):
            self.formats[i] = codes.get(int(xf.get("numFmtId", "0")), "General")
        self.sheets = sorted(n for n in names if re.match(r"xl/worksheets/sheet\d+\.xml$", n))

    def rows(self, sheet=0):
        """A list of rows; each a list of (value, format) padded with
        (None, None) for empty cells. Numbers are floats."""
        root = ET.fromstring(self.zip.read(self.sheets[sheet]))
        out = []
        for row in root.findall("m:sheetData/m:row", NS):
            cells = []
            for c in row.findall("m:c", NS):
                i = col_index(c.get("r")) if c.get("r") else len(cells)
                while len(cells) < i:
                    cells.append((None, None))
                typ = c.get("t")
                fmt = self.formats.get(int(c.get("s", "0")), "General")
                if typ == "inlineStr":
                    val = unescape("".join(t.text or "" for t in c.iter("{%s}t" % NS["m"])))
                elif typ == "s":
                    val = self.shared[int(c.find("m:v", NS).text)]
                elif typ == "str":
                    val = c.find("m:v", NS).text
                else:
                    v = c.find("m:v", NS)
                    val = float(v.text) if v is not None else None
                cells.append((val, fmt))
            out.append(cells)
        return out

    def table(self, sheet=0):
        """(header, [dict header -> value]) for a sheet with a header row."""
        rows = self.rows(sheet)
        header = [v for v, _ in rows[0]]
        items = []
        for r in rows[1:]:
            items.append({header[i]: v for i, (v, _) in enumerate(r) if v is not None})
        return header, items
