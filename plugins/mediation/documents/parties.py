"""How a party is described on a document: name, sex and birth year where known, address and
the masked ID-card number (the full number is never stored, see ``core.personal_data``)."""

from __future__ import annotations

from dataclasses import dataclass

ROLE_NAMES = {"applicant": "申请人", "respondent": "被申请人", "third_party": "第三人"}


@dataclass(frozen=True)
class PartyLine:
    """One party as printed: ``甲方（申请人）：张三，男，1960年生，住……，身份证号 330105********1234``."""

    role: str
    name: str
    is_organisation: bool = False
    id_card_masked: str | None = None
    birth_year: int | None = None
    address: str = ""
    resident_id: int | None = None

    @property
    def role_name(self) -> str:
        """The role in Chinese (申请人, 被申请人, 第三人)."""
        return ROLE_NAMES.get(self.role, self.role)

    @property
    def sex(self) -> str | None:
        """男 / 女 from the 17th character of the ID number (odd: male), kept by the masked form."""
        number = self.id_card_masked or ""
        if self.is_organisation or len(number) != 18 or not number[16].isdigit():
            return None
        return "男" if int(number[16]) % 2 else "女"

    def details(self) -> list[str]:
        """What is known besides the name, in the usual order."""
        known = []
        if self.sex:
            known.append(self.sex)
        if self.birth_year and not self.is_organisation:
            known.append(f"{self.birth_year}年生")
        if self.address:
            known.append(f"住{self.address}")
        if self.id_card_masked and not self.is_organisation:
            known.append(f"身份证号 {self.id_card_masked}")
        return known


def address_of(compound: str | None, building: str | None, stairwell: str | None, unit: str | None) -> str:
    """``测试小区1幢2单元602室`` from the parts known (a unit number gets 室)."""
    parts = [compound or "", building or ""]
    if stairwell:
        parts.append(stairwell if stairwell.endswith("单元") else f"{stairwell}单元")
    if unit:
        parts.append(unit if unit.endswith("室") else f"{unit}室")
    return "".join(parts)
