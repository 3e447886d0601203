"""The Factur-X (EN 16931 profile) Cross Industry Invoice XML of an issued document.

The XML is built by the ``factur-x`` library itself (``facturx.generate_cii_xml``, since
version 7) from a dict keyed by the EN 16931 business terms (``BT-1``, ``BG-23`` …), and
checked against the library's EN 16931 XSD; nothing here writes XML by hand. The
schematron check is left off: the library runs it on a remote Saxon server, and no test
or request may reach the network.

Mapping choices:

* type code ``380`` (invoice) or ``381`` (credit note, which lists the invoice it
  corrects in BG-3); amounts positive in both, in major units with the currency's
  decimals (XOF 0, EUR 2);
* seller: legal name (BT-27), SIRET as seller identifier (BT-29, scheme ``0009``), SIREN
  as legal registration (BT-30, ``SpecifiedLegalOrganization``, scheme ``0002``, as the
  French rules want), intra-EU VAT number (BT-31, scheme ``VA``); in Senegal the NINEA
  is the legal registration (no ISO 6523 scheme exists for it) and the fiscal number
  (BT-32, ``FC``); legal form, capital, RCS and RCCM go in BT-33;
* buyer: name, address (the country defaults to the seller's), email, and for a
  business its SIRET/SIREN, NINEA and VAT number;
* one ``ApplicableTradeTax`` per rate: category ``S``, ``Z`` (0 %) or ``E`` (exempt,
  with the exemption mention as BT-120);
* a line with a negative amount (a discount) is a negative quantity at a positive price
  (BR-27: prices are never negative);
* notes (BG-1): the mandatory mentions with the French subject codes (``PMD`` late
  penalties, ``PMT`` recovery indemnity, ``AAB`` early-payment discount) and the notes.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from teranga.core.money import exponent

from ..models import Invoice, InvoiceKind
from ..snapshots import payment_method_label
from ..totals import rate_text

LEVEL = "en16931"
UNIT_CODE = "C62"  # "one" (UN/ECE Recommendation 20)
TYPE_CODES = {InvoiceKind.INVOICE: "380", InvoiceKind.CREDIT_NOTE: "381"}
#: UNTDID 4461 payment means.
PAYMENT_MEANS = {
    "bank_transfer": "30",
    "cash": "10",
    "stripe": "48",  # bank card
}
ONLINE_PAYMENT = "68"  # online payment service (mobile money, PayPal …)
CREDIT_TRANSFER = "30"
NOTE_SUBJECTS = {
    "late_penalty": "PMD",
    "recovery_indemnity": "PMT",
    "early_payment": "AAB",
    "vat_exemption": "AAI",
}
PRICE_DECIMALS = 4


def major(amount: int, currency: str) -> str:
    """Minor units as a decimal string in major units: ``1250`` EUR → ``"12.50"``."""
    digits = exponent(currency)
    return format(Decimal(int(amount)).scaleb(-digits), f".{digits}f")


def unit_price(line_ht: int, quantity: Decimal, currency: str) -> str:
    """The net price of one unit (BT-146), at most 4 decimals, never negative."""
    digits = exponent(currency)
    value = (Decimal(abs(int(line_ht))).scaleb(-digits) / Decimal(quantity)).quantize(
        Decimal(1).scaleb(-PRICE_DECIMALS), rounding=ROUND_HALF_UP
    )
    text = format(value.normalize(), "f")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return format(value, f".{max(decimals, digits)}f")


def _address(party: dict[str, Any], default_country: str) -> dict[str, str]:
    address = {
        "addr_l1": party.get("address_line1", ""),
        "addr_l2": party.get("address_line2", ""),
        "postcode": party.get("postal_code", ""),
        "city": party.get("city", ""),
        "country_code": party.get("country") or default_country or "SN",
    }
    return {key: value for key, value in address.items() if value}


def legal_info(seller: dict[str, Any]) -> str:
    parts = []
    if seller.get("legal_form"):
        capital = seller.get("share_capital")
        parts.append(
            f"{seller['legal_form']} au capital de {capital}" if capital else seller["legal_form"]
        )
    if seller.get("siret") and seller.get("rcs_city"):
        parts.append(f"RCS {seller['rcs_city']} {seller['siret'][:9]}")
    if seller.get("rccm"):
        parts.append(f"RCCM {seller['rccm']}")
    return " — ".join(parts)


def seller_party(seller: dict[str, Any]) -> dict[str, Any]:
    party: dict[str, Any] = {"name": seller["name"], **_address(seller, seller.get("country"))}
    if seller.get("trade_name"):
        party["biz_name"] = seller["trade_name"]
    if seller.get("siret"):
        party["identifiers"] = {"0009": seller["siret"]}
        party["legal_identifier"] = seller["siret"][:9]
        party["legal_identifier_schemeid"] = "0002"
    elif seller.get("ninea"):
        party["legal_identifier"] = seller["ninea"]
    if seller.get("tva_number"):
        party["vat_identifier"] = seller["tva_number"]
    if seller.get("ninea"):
        party["tax_identifier"] = seller["ninea"]
    info = legal_info(seller)
    if info:
        party["legal_info"] = info
    contact = {k: seller[k] for k in ("email", "phone") if seller.get(k)}
    if contact:
        party["contacts"] = [contact]
    return party


def buyer_party(buyer: dict[str, Any], default_country: str) -> dict[str, Any]:
    party: dict[str, Any] = {"name": buyer["name"], **_address(buyer, default_country)}
    if buyer.get("siret"):
        party["identifiers"] = {"0009": buyer["siret"]}
        party["legal_identifier"] = buyer["siret"][:9]
        party["legal_identifier_schemeid"] = "0002"
    elif buyer.get("ninea"):
        party["legal_identifier"] = buyer["ninea"]
    if buyer.get("vat_number"):
        party["vat_identifier"] = buyer["vat_number"]
    if buyer.get("email"):
        party["contacts"] = [{"email": buyer["email"]}]
    return party


def _lines(invoice: Invoice) -> list[dict[str, Any]]:
    currency = invoice.currency
    result = []
    for line in invoice.lines.all():
        quantity = Decimal(line.quantity)
        signed_quantity = -quantity if line.total_ht < 0 else quantity
        result.append(
            {
                "BT-126": str(line.position),
                "BT-153": line.description,
                "BT-129": format(signed_quantity.normalize(), "f"),
                "BT-130": UNIT_CODE,
                "BT-131": major(line.total_ht, currency),
                "BT-146": unit_price(line.total_ht, quantity, currency),
                "BT-151": line.vat_category,
                "BT-152": rate_text(line.vat_rate),
            }
        )
    return result


def _payment_means(invoice: Invoice) -> dict[str, Any]:
    seller = invoice.seller
    if invoice.paid and invoice.payment_method:
        code = PAYMENT_MEANS.get(invoice.payment_method, ONLINE_PAYMENT)
        return {"BT-81": code, "BT-82": payment_method_label(invoice.payment_method)}
    if invoice.kind == InvoiceKind.INVOICE and seller.get("iban"):
        means = {"BT-81": CREDIT_TRANSFER, "BT-84": seller["iban"]}
        if seller.get("bic"):
            means["BT-86"] = seller["bic"]
        return means
    return {}


def cii_data(invoice: Invoice) -> dict[str, Any]:
    """The EN 16931 business terms of ``invoice``, as ``facturx.generate_cii_xml`` takes them."""
    currency = invoice.currency
    seller, buyer = invoice.seller, invoice.buyer
    exemption = seller.get("vat_exemption_mention", "")
    settled = invoice.paid or invoice.refund_id is not None
    notes = [
        {"BT-21": NOTE_SUBJECTS[m["code"]], "BT-22": m["text"]}
        for m in invoice.mentions
        if m.get("code") in NOTE_SUBJECTS and m.get("text")
    ]
    if invoice.reason:
        notes.append({"BT-22": invoice.reason})
    if invoice.notes:
        notes.append({"BT-22": invoice.notes})
    data: dict[str, Any] = {
        "BT-1": invoice.number,
        "BT-2": invoice.issue_date,
        "BT-3": TYPE_CODES[invoice.kind],
        "BT-5": currency,
        "BT-72": invoice.sale_date,
        "BT-9": invoice.due_date,
        "BG-4": seller_party(seller),
        "BG-7": buyer_party(buyer, seller.get("country")),
        "BG-23": [
            {
                "BT-116": major(row["ht"], currency),
                "BT-117": major(row["tva"], currency),
                "BT-118": row["category"],
                "BT-119": row["rate"],
                **({"BT-120": exemption} if row["category"] == "E" and exemption else {}),
            }
            for row in invoice.vat_breakdown
        ],
        "BG-25": _lines(invoice),
        "BT-106": major(invoice.total_ht, currency),
        "BT-109": major(invoice.total_ht, currency),
        "BT-110": major(invoice.total_tva, currency),
        "BT-112": major(invoice.total_ttc, currency),
        "BT-115": major(0 if settled else invoice.total_ttc, currency),
        **_payment_means(invoice),
    }
    if settled:
        data["BT-113"] = major(invoice.total_ttc, currency)
    if notes:
        data["BG-1"] = notes
    if invoice.payment_terms:
        data["BT-20"] = invoice.payment_terms
    if invoice.credit_of_id:
        original = invoice.credit_of
        data["BG-3"] = [{"BT-25": original.number, "BT-26": original.issue_date}]
    return data


def cii_xml(invoice: Invoice) -> bytes:
    """The XML, checked against the EN 16931 XSD (raises if it is not valid)."""
    import facturx

    return facturx.generate_cii_xml(
        cii_data(invoice), level=LEVEL, check_xsd=True, check_schematron=False
    )
