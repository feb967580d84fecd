"""The enterprise CSV import answers hostile files with line/column reasons, never a traceback."""

from __future__ import annotations

CREDIT_ONLY = {"changqing": {"name": "长庆街道", "plugins": ["credit"]}}
HEADER = "name,licence_no,licence_issued_on,category\n"


def test_a_megabyte_field_control_characters_and_duplicate_columns_are_reported(jiedao_cli, database_url, tmp_path):
    big = tmp_path / "big.csv"
    big.write_text(HEADER + "知味面馆,JY1,2024-01-05,restaurant\n新丰小吃,JY2,2024-01-05," + "x" * 1_000_000 + "\n", encoding="utf-8")
    result = jiedao_cli(["credit", "import", "--street", "changqing", str(big)], streets=CREDIT_ONLY, database_url=database_url)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "line 3, column category: a field of more than 10,000 characters" in result.output

    hostile = tmp_path / "hostile.csv"
    hostile.write_text(HEADER.strip() + ",name\n知味\x00面馆,JY1,2024-01-05,restaurant,x\n", encoding="utf-8")
    result = jiedao_cli(["credit", "import", "--street", "changqing", str(hostile)], streets=CREDIT_ONLY, database_url=database_url)
    assert result.exit_code == 1, result.output
    assert "line 1, column name: appears twice (columns 1 and 5)" in result.output
    assert "line 2, column name: control character U+0000 at character 3" in result.output
