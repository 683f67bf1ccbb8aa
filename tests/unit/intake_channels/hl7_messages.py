"""HL7 v2 messages a hospital's interface engine sends, built field by field (fictional people).

`segment("FT1", {2: "FT-1", 6: "CG"})` places each value at its field number, so a test
never miscounts pipes. The scenario messages are an outpatient day-surgery visit and an
inpatient stay, the way Epic or Cerner feed charges.
"""

from __future__ import annotations

from collections.abc import Mapping

ATTENDING = "1765432103^Attender^Morgan^^^^^^NPI"
SURGEON = "1987654328^Cutter^Sam^^^^^^NPI"


def segment(name: str, fields: Mapping[int, str]) -> str:
    if name == "MSH":
        return _msh(fields)
    values = [name] + [""] * max(fields)
    for n, value in fields.items():
        values[n] = value
    return "|".join(values)


def _msh(fields: Mapping[int, str]) -> str:
    # MSH-1 is the field separator itself: MSH-2 is the first value after "MSH|".
    values = [""] * (max(fields) + 1)
    values[2] = "^~\\&"
    for n, value in fields.items():
        values[n] = value
    return "MSH|" + "|".join(values[2:])


def msh(kind: str, control_id: str, *, when: str = "20260902120000", version: str = "2.5.1") -> str:
    return segment(
        "MSH",
        {
            3: "EPIC",
            4: "HARBOR",
            5: "REVCYCLE",
            6: "BILLING",
            7: when,
            9: kind,
            10: control_id,
            11: "P",
            12: version,
        },
    )


def pid() -> str:
    return segment(
        "PID",
        {
            1: "1",
            3: "MRN880021^^^HARBOR^MR",
            5: "Sampleton^Rowan^Q",
            7: "19510704",
            8: "M",
            11: "88 Harbor Rd^Apt 2^Portland^ME^04101",
        },
    )


def pv1(visit: str, patient_class: str = "O", **extra: str) -> str:
    fields = {1: "1", 2: patient_class, 3: "OR^1^1", 7: ATTENDING, 19: visit}
    fields |= {int(k.removeprefix("f")): v for k, v in extra.items()}
    return segment("PV1", fields)


def in1(sequence: int = 1, payer_id: str = "60054", member_id: str = "ZZX000000001") -> str:
    return segment(
        "IN1",
        {
            1: str(sequence),
            2: "PPO",
            3: payer_id,
            4: "Fictional Mutual Health",
            8: "GRP-4410",
            9: "Employer Plan",
            17: "SEL",
            36: member_id,
        },
    )


def dg1(sequence: int, code: str, kind: str = "F", priority: str = "") -> str:
    return segment("DG1", {1: str(sequence), 3: f"{code}^^I10", 6: kind, 15: priority})


def ft1(
    sequence: int,
    transaction_id: str,
    *,
    code: str = "4700123^LAP CHOLE^CDM",
    kind: str = "CG",
    amount: str = "4200.00",
    quantity: str = "1",
    procedure: str = "47562",
    modifiers: str = "",
    diagnoses: str = "K80.20^^I10",
    date: str = "20260902",
) -> str:
    return segment(
        "FT1",
        {
            1: str(sequence),
            2: transaction_id,
            4: date,
            6: kind,
            7: code,
            10: quantity,
            11: amount,
            19: diagnoses,
            20: SURGEON,
            25: f"{procedure}^^C4" if procedure else "",
            26: modifiers,
        },
    )


def message(*segments: str) -> str:
    return "\r".join(segments)


def outpatient_visit(visit: str = "V20260902001") -> list[str]:
    """Register, two charges, a reversal of the second, discharge: one 837P with one line."""
    return [
        message(
            msh("ADT^A04^ADT_A01", f"{visit}-1"),
            pid(),
            pv1(visit),
            in1(),
            dg1(1, "K80.20", priority="1"),
        ),
        message(
            msh("DFT^P03^DFT_P03", f"{visit}-2"),
            pid(),
            pv1(visit),
            ft1(1, f"{visit}-FT1"),
            ft1(
                2,
                f"{visit}-FT2",
                code="8500012^CBC^CDM",
                amount="48.00",
                procedure="85025",
                diagnoses="",
            ),
        ),
        message(
            msh("DFT^P03^DFT_P03", f"{visit}-3"),
            pid(),
            pv1(visit),
            ft1(1, f"{visit}-FT2", kind="CR", amount="-48.00", procedure="85025"),
        ),
        message(
            msh("ADT^A03^ADT_A03", f"{visit}-4"),
            pid(),
            pv1(visit, f36="01", f45="20260902170000"),
            in1(),
        ),
    ]


def inpatient_stay(visit: str = "V20260905777") -> list[str]:
    """Admit, room and pharmacy charges (revenue codes), discharge home: one 837I."""
    return [
        message(
            msh("ADT^A01^ADT_A01", f"{visit}-1"),
            pid(),
            pv1(visit, "I", f4="E", f14="7", f44="20260902080000"),
            in1(),
            dg1(1, "R06.02", kind="A"),
            dg1(2, "J18.9", priority="1"),
            dg1(3, "E11.9", priority="2"),
        ),
        message(
            msh("DFT^P03^DFT_P03", f"{visit}-2"),
            pid(),
            pv1(visit, "I"),
            ft1(
                1,
                f"{visit}-R1",
                code="0120^ROOM SEMI-PRIVATE^NUBC",
                amount="4350.00",
                quantity="3",
                procedure="",
                diagnoses="J18.9^^I10",
            ),
            ft1(
                2,
                f"{visit}-P1",
                code="0250^PHARMACY^NUBC",
                amount="212.40",
                quantity="4",
                procedure="J0696",
                diagnoses="",
            ),
        ),
        message(
            msh("ADT^A03^ADT_A03", f"{visit}-3"),
            pid(),
            pv1(visit, "I", f36="01", f45="20260908110000"),
            in1(),
        ),
    ]
