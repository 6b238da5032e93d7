"""etl.csv_rows: one bad record never stops the records after it; lines are physical lines."""

from __future__ import annotations

from etl.csv_rows import BadRecord, Record, physical_lines, read_records


def read(text: str, width: int = 3):
    return list(read_records(physical_lines(text), start=1, width=width))


def test_quote_closed_in_another_column_reports_its_first_line_and_resumes():
    # line 3 opens a quote that line 4 closes after its first cell: 2 + 3 fields != 3
    rows = read('a,b,c\n1,x,y\n2,"oops,z\n3",q,r\n4,s,t\n')
    assert rows[0] == Record(2, ["1", "x", "y"])
    assert isinstance(rows[1], BadRecord) and rows[1].line == 3
    assert "runs over 2 lines" in rows[1].reason and rows[1].cells == ["2", '"oops', "z"]
    assert rows[2:] == [Record(4, ['3"', "q", "r"]), Record(5, ["4", "s", "t"])]


def test_quoted_line_break_with_the_right_width_is_one_record():
    assert read('a,b,c\n1,"two\nlines",y\n2,s,t\n') == [
        Record(2, ["1", "two\nlines", "y"]),
        Record(4, ["2", "s", "t"]),
    ]


def test_cr_lf_and_crlf_each_end_a_line_and_blank_lines_are_skipped():
    assert read("a,b,c\r1,x,y\r\n\n2,s,t\n3,u,v") == [
        Record(2, ["1", "x", "y"]),
        Record(4, ["2", "s", "t"]),
        Record(5, ["3", "u", "v"]),
    ]
