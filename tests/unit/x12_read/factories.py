"""Small synthetic X12 documents for the reading tests (no sample files copied)."""

from __future__ import annotations


def isa(
    control: str = "000000101",
    element: str = "*",
    component: str = ":",
    repetition: str = "^",
    terminator: str = "~",
) -> str:
    fields = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        "SUBMITTER      ",
        "ZZ",
        "RECEIVER       ",
        "240101",
        "1200",
        repetition,
        "00501",
        control,
        "0",
        "T",
        component,
    ]
    return element.join(fields) + terminator


def remittance_835(
    *,
    bpr_amount: str = "80.00",
    clp: tuple[str, str, str] = ("100.00", "80.00", "20.00"),
    cas: str = "CAS*CO*45*20.00~",
    st02: str = "0001",
    se02: str = "0001",
    se01: str | None = None,
    gs06: str = "1",
    ge02: str = "1",
    isa13: str = "000000101",
    iea02: str = "000000101",
    extra_claim: bool = True,
) -> str:
    """A small, valid 005010X221A1 835 (two claims) with hooks to break one rule at a time."""
    body = [
        f"ST*835*{st02}~",  # ST03 is not used in the 835 guide
        f"BPR*C*{bpr_amount}*C*ACH*CCP*01*999999992*DA*123456*1512345678**01*999988880*DA*98765*20240105~",
        "TRN*1*12345*1512345678~",
        "DTM*405*20240104~",
        "N1*PR*ACME HEALTH PLAN~",
        "N3*1 PLAN WAY~",
        "N4*KANSAS CITY*MO*64108~",
        "PER*BL*EDI DESK*TE*8005551212~",
        "N1*PE*GOOD HOSPITAL*XX*1234567893~",
        "N3*2 CARE ST~",
        "N4*KANSAS CITY*MO*64108~",
        "LX*1~",
        f"CLP*PCN001*1*{clp[0]}*{clp[1]}*{clp[2]}*12*PAYERCLAIM1~",
        "NM1*QC*1*DOE*JANE****MI*M123~",
        "SVC*HC:99213*100.00*80.00**1~",
        "DTM*472*20231215~",
        cas,
    ]
    if extra_claim:
        body += [
            "CLP*PCN002*4*70.00*0.00*0.00*12*PAYERCLAIM2~",
            "CAS*CO*29*70.00~",
            "NM1*QC*1*ROE*RICHARD****MI*M456~",
        ]
    count = len(body) + 1
    body.append(f"SE*{se01 or count}*{se02}~")
    return (
        isa(isa13)
        + f"GS*HP*PAYER*PROVIDER*20240105*1200*{gs06}*X*005010X221A1~"
        + "".join(body)
        + f"GE*1*{ge02}~IEA*1*{iea02}~"
    )


def claim_837p(
    *, clm02: str = "150.00", line_charges: tuple[str, ...] = ("100.00", "50.00")
) -> str:
    """A small 005010X222A1 837P: one billing provider, subscriber = patient, one claim."""
    lines = []
    for n, charge in enumerate(line_charges, start=1):
        lines += [f"LX*{n}~", f"SV1*HC:99213:25*{charge}*UN*1***1~", "DTP*472*D8*20240102~"]
    body = [
        "ST*837*0001*005010X222A1~",
        "BHT*0019*00*BATCH1*20240105*1200*CH~",
        "NM1*41*2*GOOD CLINIC*****46*SUB123~",
        "PER*IC*BILLING*TE*8005551212~",
        "NM1*40*2*ACME HEALTH PLAN*****46*RCV123~",
        "HL*1**20*1~",
        "NM1*85*2*GOOD CLINIC*****XX*1234567893~",
        "N3*1 MAIN ST~",
        "N4*KANSAS CITY*MO*641081234~",
        "REF*EI*123456789~",
        "HL*2*1*22*0~",
        "SBR*P*18*GRP1******CI~",
        "NM1*IL*1*DOE*JANE****MI*M123~",
        "NM1*PR*2*ACME HEALTH PLAN*****PI*PAYER1~",
        f"CLM*PCN001*{clm02}***11:B:1*Y*A*Y*Y~",
        "HI*ABK:J069*ABF:R05~",
        *lines,
    ]
    body.append(f"SE*{len(body) + 1}*0001~")
    return (
        isa()
        + "GS*HC*CLINIC*PAYER*20240105*1200*1*X*005010X222A1~"
        + "".join(body)
        + "GE*1*1~IEA*1*000000101~"
    )


def recount(text: str) -> str:
    """Rewrite SE01 of a single-transaction document after a test added or removed segments."""
    segments = [s for s in text.split("~") if s.strip()]
    st = next(i for i, s in enumerate(segments) if s.strip().startswith("ST*"))
    se = next(i for i, s in enumerate(segments) if s.strip().startswith("SE*"))
    parts = segments[se].split("*")
    parts[1] = str(se - st + 1)
    segments[se] = "*".join(parts)
    return "~".join(segments) + "~"
