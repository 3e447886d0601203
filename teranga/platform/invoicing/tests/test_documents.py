"""The PDF: every mandatory mention in its text (read back with pypdf), PDF/A-3, the
embedded Factur-X XML valid against the EN 16931 XSD with matching totals, and the file
rendered once and stored, also when a download races the render task (real threads)."""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from datetime import timedelta
from decimal import Decimal

import facturx
import pypdf
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from lxml import etree
from PIL import Image

from teranga.core.money import Money
from teranga.platform.invoicing.documents.cii import cii_xml, major
from teranga.platform.invoicing.models import Invoice
from teranga.platform.invoicing.services import (
    credit_note_issue,
    documents,
    invoice_for_payment,
    invoice_issue,
    invoice_pdf,
)
from teranga.platform.invoicing.services.issuing import local_today
from teranga.platform.invoicing.snapshots import french_date
from teranga.platform.invoicing.tasks import invoice_pdf_render_task
from tests.skips import require

from .factories import (
    BUYER_SIRET,
    FR_SIRET,
    FR_TVA,
    SN_NINEA,
    SN_RCCM,
    buyer_user,
    fr_seller,
    make_payment,
    manager_of,
    sn_seller,
)

pytestmark = pytest.mark.django_db

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
B2B_BUYER = {
    "name": "Entreprise Cliente SARL",
    "address_line1": "5 avenue Foch",
    "postal_code": "75016",
    "city": "Paris",
    "country": "FR",
    "email": "compta@cliente.example",
    "is_business": True,
    "siret": BUYER_SIRET,
    "vat_number": "FR12443061841",
}


def flat(text: str) -> str:
    """Whitespace (line breaks, no-break spaces) reduced to single spaces."""
    return " ".join(text.split())


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return flat(" ".join(page.extract_text() for page in reader.pages))


def embedded_xml(content: bytes) -> etree._Element:
    filename, xml = facturx.get_xml_from_pdf(content, check_xsd=True)
    assert filename == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    return etree.fromstring(xml)


def xpath_text(root, path: str) -> list[str]:
    return [node.text for node in root.xpath(path, namespaces=NS)]


def money(amount: int, currency: str) -> str:
    return flat(Money(amount, currency).format())


def b2b_invoice():
    organization = fr_seller()
    manager = manager_of(organization)
    invoice = invoice_issue(
        actor=manager,
        organization=organization,
        buyer=B2B_BUYER,
        lines=[
            {
                "description": "Formation trading avancée",
                "quantity": Decimal(2),
                "unit_price": 45000,
                "vat_rate": Decimal(20),
            },
            {
                "description": "Manuel",
                "quantity": Decimal(1),
                "unit_price": 2990,
                "vat_rate": Decimal("5.5"),
            },
        ],
        due_date=local_today(organization) + timedelta(days=30),  # the seller's day
        sale_date=local_today(organization) - timedelta(days=1),
        notes="Commande n° 42",
    )
    return Invoice.objects.get(pk=invoice.pk)


def test_a_french_b2b_invoice_shows_every_mandatory_mention():
    invoice = b2b_invoice()
    content = invoice_pdf(invoice=invoice)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    expected = [
        "FACTURE",
        f"N° {invoice.number}",
        # seller identity
        "Calmness Trading SAS",
        "SAS au capital de 10 000 €",
        "12 rue de la Paix",
        "75002 Paris",
        f"SIRET : {FR_SIRET}",
        "RCS Paris 732829320",
        f"N° TVA intracommunautaire : {FR_TVA}",
        # buyer identity, B2B
        "Entreprise Cliente SARL",
        "5 avenue Foch",
        f"SIRET : {BUYER_SIRET}",
        "N° TVA : FR12443061841",
        # dates
        f"Date d'émission {french_date(invoice.issue_date)}",
        f"Date de la vente / prestation {french_date(invoice.sale_date)}",
        f"Date d'échéance {french_date(invoice.due_date)}",
        # lines with their VAT rate
        "Formation trading avancée",
        "Manuel",
        "20 %",
        "5,5 %",
        # totals
        f"Total HT {money(invoice.total_ht, 'EUR')}",
        f"Total TVA {money(invoice.total_tva, 'EUR')}",
        f"Total TTC {money(invoice.total_ttc, 'EUR')}",
        # payment terms and mentions
        "Paiement à 30 jours",
        "Pénalités de retard : trois fois le taux d'intérêt légal",
        "Indemnité forfaitaire pour frais de recouvrement de 40 €",
        "Pas d'escompte pour paiement anticipé",
        "IBAN FR7630006000011234567890189",
        "Commande n° 42",
    ]
    for fragment in expected:
        assert flat(fragment) in text, fragment
    for row in invoice.vat_breakdown:
        assert money(row["ht"], "EUR") in text and money(row["tva"], "EUR") in text
    assert "TVA non applicable" not in text


def test_the_pdf_is_pdf_a_3b_and_carries_valid_factur_x_with_matching_totals():
    invoice = b2b_invoice()
    content = invoice_pdf(invoice=invoice)
    reader = pypdf.PdfReader(io.BytesIO(content))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"pdfaid" in xmp and b"3" in xmp.split(b"pdfaid:part")[1][:8]
    assert b"urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in xmp

    root = embedded_xml(content)
    assert xpath_text(root, "//rsm:ExchangedDocument/ram:ID") == [invoice.number]
    assert xpath_text(root, "//rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert xpath_text(root, "//ram:InvoiceCurrencyCode") == ["EUR"]
    summation = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    assert xpath_text(root, summation + "ram:TaxBasisTotalAmount") == [
        major(invoice.total_ht, "EUR")
    ]
    assert xpath_text(root, summation + "ram:TaxTotalAmount") == [major(invoice.total_tva, "EUR")]
    assert xpath_text(root, summation + "ram:GrandTotalAmount") == [major(invoice.total_ttc, "EUR")]
    assert xpath_text(root, summation + "ram:DuePayableAmount") == [major(invoice.total_ttc, "EUR")]
    taxes = root.xpath(
        "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=NS
    )
    found = {
        (
            t.findtext("ram:RateApplicablePercent", namespaces=NS),
            t.findtext("ram:CategoryCode", namespaces=NS),
        ): (
            t.findtext("ram:BasisAmount", namespaces=NS),
            t.findtext("ram:CalculatedAmount", namespaces=NS),
        )
        for t in taxes
    }
    assert found == {
        (row["rate"], "S"): (major(row["ht"], "EUR"), major(row["tva"], "EUR"))
        for row in invoice.vat_breakdown
    }
    line_totals = xpath_text(
        root, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
    )
    assert sum(Decimal(v) for v in line_totals) == Decimal(major(invoice.total_ht, "EUR"))
    seller = "//ram:SellerTradeParty/"
    assert xpath_text(root, seller + "ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']") == [
        FR_SIRET[:9]
    ]
    assert xpath_text(root, seller + "ram:GlobalID[@schemeID='0009']") == [FR_SIRET]
    assert xpath_text(root, seller + "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == [
        FR_TVA
    ]
    buyer = "//ram:BuyerTradeParty/"
    assert xpath_text(root, buyer + "ram:Name") == ["Entreprise Cliente SARL"]
    assert xpath_text(root, buyer + "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == [
        "FR12443061841"
    ]
    assert xpath_text(
        root, "//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"
    ) == [invoice.due_date.strftime("%Y%m%d")]
    assert xpath_text(root, "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == [
        "FR7630006000011234567890189"
    ]
    subjects = xpath_text(root, "//ram:IncludedNote/ram:SubjectCode")
    assert {"PMD", "PMT", "AAB"} <= set(subjects)


def test_a_senegalese_b2c_paid_invoice():
    organization = sn_seller()
    invoice = invoice_for_payment(
        payment=make_payment(
            organization,
            buyer_user(),
            lines=[{"description": "Coupe et brushing", "unit_amount": 7500, "quantity": 2}],
            provider="orange_money",
        )
    )
    content = invoice_pdf(invoice=invoice)
    text = pdf_text(content)
    for fragment in [
        "Salon Teranga",
        f"NINEA : {SN_NINEA}",
        f"RCCM : {SN_RCCM}",
        "Awa Diop",
        "Rue 10, Point E",
        invoice.number,
        "18 %",
        f"Total TTC {money(15000, 'XOF')}",
        f"Facture acquittée le {french_date(invoice.issue_date)} (Orange Money)",
        "Pénalités de retard",
        "Pas d'escompte pour paiement anticipé",
    ]:
        assert flat(fragment) in text, fragment
    # Not a business buyer, and not French law's recovery indemnity.
    assert "40 €" not in text

    root = embedded_xml(content)
    assert xpath_text(root, "//ram:InvoiceCurrencyCode") == ["XOF"]
    assert xpath_text(root, "//ram:GrandTotalAmount") == ["15000"]
    assert xpath_text(root, "//ram:TotalPrepaidAmount") == ["15000"]
    assert xpath_text(root, "//ram:DuePayableAmount") == ["0"]
    seller = "//ram:SellerTradeParty/"
    assert xpath_text(root, seller + "ram:SpecifiedLegalOrganization/ram:ID") == [SN_NINEA]
    assert xpath_text(root, seller + "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']") == [
        SN_NINEA
    ]
    assert SN_RCCM in xpath_text(root, seller + "ram:Description")[0]
    assert xpath_text(root, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["68"]


def test_an_exempt_seller_shows_the_exemption_mention():
    organization = fr_seller(vat_exempt=True)
    manager = manager_of(organization)
    invoice = invoice_issue(
        actor=manager,
        organization=organization,
        buyer={"name": "Jean Martin", "city": "Lyon", "country": "FR"},
        lines=[{"description": "Coaching", "quantity": Decimal(1), "unit_price": 30000}],
    )
    content = invoice_pdf(invoice=invoice)
    text = pdf_text(content)
    assert "TVA non applicable, art. 293 B du CGI" in text
    assert f"Total TVA {money(0, 'EUR')}" in text
    assert "40 €" not in text  # a private buyer
    root = embedded_xml(content)
    assert xpath_text(
        root, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"
    ) == ["E"]
    assert xpath_text(root, "//ram:ApplicableTradeTax/ram:ExemptionReason") == [
        "TVA non applicable, art. 293 B du CGI"
    ]


def test_a_credit_note_references_its_invoice():
    invoice = b2b_invoice()
    manager = manager_of(invoice.organization)
    credit = credit_note_issue(
        actor=manager, invoice_id=invoice.pk, amount=5000, reason="Remise commerciale"
    )
    content = invoice_pdf(invoice=Invoice.objects.get(pk=credit.pk))
    text = pdf_text(content)
    assert "AVOIR" in text and credit.number in text
    assert f"Avoir sur la facture n° {invoice.number} du {french_date(invoice.issue_date)}" in text
    assert "Motif : Remise commerciale" in text
    assert f"Total TTC {money(5000, 'EUR')}" in text
    root = embedded_xml(content)
    assert xpath_text(root, "//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert xpath_text(root, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [
        invoice.number
    ]
    assert xpath_text(root, "//ram:GrandTotalAmount") == ["50.00"]


def test_a_discount_line_is_a_negative_quantity_at_a_positive_price():
    organization = fr_seller()
    invoice = invoice_for_payment(
        payment=make_payment(
            organization,
            buyer_user(),
            lines=[{"description": "Formation", "unit_amount": 12000, "quantity": 1}],
            amount=9000,
        )
    )
    root = etree.fromstring(cii_xml(invoice))
    items = root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS)
    discount = items[-1]
    assert discount.findtext(".//ram:BilledQuantity", namespaces=NS) == "-1"
    assert not discount.findtext(".//ram:ChargeAmount", namespaces=NS).startswith("-")
    assert discount.findtext(".//ram:LineTotalAmount", namespaces=NS).startswith("-")


def test_the_logo_and_brand_colours_are_used(settings):
    organization = fr_seller(primary_color="#123456")
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#D4AF37").save(buffer, format="PNG")
    organization.logo.save("logo.png", ContentFile(buffer.getvalue()), save=True)
    invoice = invoice_for_payment(payment=make_payment(organization, buyer_user()))
    from teranga.platform.invoicing.documents.pdf import html

    page = html(invoice)
    assert 'src="data:image/png;base64,' in page
    assert "#123456" in page
    reader = pypdf.PdfReader(io.BytesIO(invoice_pdf(invoice=invoice)))
    assert reader.pages[0].images, "the logo is drawn"


def test_the_pdf_is_rendered_once_and_stored():
    invoice = b2b_invoice()
    first = invoice_pdf(invoice=invoice)
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.pdf.name.startswith(f"invoices/{invoice.organization_id}/")
    assert stored.pdf_sha256 and stored.pdf_rendered_at
    again = invoice_pdf(invoice=stored)
    assert again == first
    # A concurrent rendering that lost keeps the first file.
    assert not Invoice.attach_pdf_once(
        invoice_id=invoice.pk, name="other.pdf", sha256="x", rendered_at=stored.pdf_rendered_at
    )
    assert Invoice.objects.get(pk=invoice.pk).pdf.name == stored.pdf.name


def test_a_lost_file_is_rendered_again_and_logged(caplog):
    invoice = b2b_invoice()
    invoice_pdf(invoice=invoice)
    stored = Invoice.objects.get(pk=invoice.pk)
    stored.pdf.storage.delete(stored.pdf.name)
    with caplog.at_level(logging.ERROR):
        content = invoice_pdf(invoice=stored)
    assert content.startswith(b"%PDF-") and stored.number in pdf_text(content)
    assert "stored invoice PDF is missing" in caplog.text


def test_the_pdf_is_rendered_after_commit_when_enabled(
    settings, django_capture_on_commit_callbacks
):
    settings.INVOICING_RENDER_ON_ISSUE = True
    organization = sn_seller()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invoice = invoice_for_payment(payment=make_payment(organization, buyer_user()))
    assert callbacks
    assert Invoice.objects.get(pk=invoice.pk).pdf


# --- Rendered once, also when a download races the render task -------------------------

RACE_TIMEOUT = 60.0


@pytest.fixture
def threaded():
    require(
        "a file-backed SQLite test database",
        not (connection.vendor == "sqlite" and connection.is_in_memory_db()),
        "threaded tests need separate connections: config/test_settings.py sets its TEST NAME",
    )


class RenderSpy:
    """The real rendering, counted, and held at its start until released: what puts a
    second caller in the middle of a rendering."""

    def __init__(self, monkeypatch, *, hold_first_only: bool = False):
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        real = documents.render_pdf

        def render(invoice):
            with self._lock:
                self.calls += 1
                first = self.calls == 1
            self.started.set()
            if first or not hold_first_only:
                self.release.wait(RACE_TIMEOUT)
            return real(invoice)

        monkeypatch.setattr(documents, "render_pdf", render)


def in_thread(target) -> tuple[threading.Thread, dict]:
    """Run ``target`` in a thread of its own (its own database connection)."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = target()
        except Exception as error:  # noqa: BLE001 — reported by the test
            outcome["error"] = repr(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def race_setup(client_for):
    organization = sn_seller()
    invoice = invoice_for_payment(payment=make_payment(organization, buyer_user()))
    assert not Invoice.objects.get(pk=invoice.pk).pdf  # rendering after issue is off here
    client = client_for(manager_of(organization))
    url = f"/api/v1/invoices/{invoice.pk}/pdf/"
    return (
        invoice,
        (lambda: client.get(url)),
        (lambda: invoice_pdf_render_task.call(invoice_id=str(invoice.pk))),
    )


def finish(spy: RenderSpy, *threads: threading.Thread) -> None:
    spy.release.set()
    for thread in threads:
        thread.join(timeout=RACE_TIMEOUT)
        assert not thread.is_alive(), "a thread hung"


def assert_serves_the_stored_file(invoice, answer: dict) -> None:
    assert "error" not in answer, answer
    response = answer["value"]
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    stored = Invoice.objects.get(pk=invoice.pk)
    assert hashlib.sha256(response.content).hexdigest() == stored.pdf_sha256
    with stored.pdf.open("rb") as handle:
        assert handle.read() == response.content


@pytest.mark.django_db(transaction=True)
def test_a_download_during_the_render_task_waits_for_it_and_nothing_renders_twice(
    threaded, monkeypatch, client_for
):
    invoice, download, render_task = race_setup(client_for)
    spy = RenderSpy(monkeypatch)
    task, rendered = in_thread(render_task)
    assert spy.started.wait(RACE_TIMEOUT), "the task never started rendering"
    downloader, answer = in_thread(download)
    downloader.join(timeout=1.0)
    assert downloader.is_alive(), "the download did not wait for the rendering"
    assert spy.calls == 1
    finish(spy, task, downloader)
    assert rendered == {"value": True}
    assert spy.calls == 1
    assert_serves_the_stored_file(invoice, answer)


@pytest.mark.django_db(transaction=True)
def test_the_render_task_after_a_download_began_renders_nothing(threaded, monkeypatch, client_for):
    invoice, download, render_task = race_setup(client_for)
    spy = RenderSpy(monkeypatch)
    downloader, answer = in_thread(download)
    assert spy.started.wait(RACE_TIMEOUT), "the download never started rendering"
    task, rendered = in_thread(render_task)
    task.join(timeout=1.0)
    assert task.is_alive(), "the task did not wait for the rendering in progress"
    finish(spy, task, downloader)
    assert rendered == {"value": False}  # it found the PDF stored
    assert spy.calls == 1
    assert_serves_the_stored_file(invoice, answer)
    # Later calls render nothing either.
    assert invoice_pdf_render_task.call(invoice_id=str(invoice.pk)) is False
    assert spy.calls == 1


@pytest.mark.django_db(transaction=True)
def test_a_download_does_not_wait_forever_for_a_stuck_rendering(threaded, monkeypatch, client_for):
    """A rendering that keeps the lock past RENDER_WAIT (stuck): the download renders
    the PDF itself (no error, no endless wait), and the first file recorded is kept."""
    monkeypatch.setattr(documents, "RENDER_WAIT", 0.3)
    invoice, download, render_task = race_setup(client_for)
    spy = RenderSpy(monkeypatch, hold_first_only=True)
    task, rendered = in_thread(render_task)
    assert spy.started.wait(RACE_TIMEOUT)
    downloader, answer = in_thread(download)
    downloader.join(timeout=RACE_TIMEOUT)
    assert not downloader.is_alive(), "the download waited for the stuck rendering"
    assert spy.calls == 2
    assert_serves_the_stored_file(invoice, answer)
    finish(spy, task)
    assert rendered == {"value": True}
    assert_serves_the_stored_file(invoice, answer)  # the task's late file was not kept
    stored = Invoice.objects.get(pk=invoice.pk)
    folder = f"invoices/{invoice.organization_id}"
    assert stored.pdf.storage.listdir(folder)[1] == [stored.pdf.name.rsplit("/", 1)[1]]
