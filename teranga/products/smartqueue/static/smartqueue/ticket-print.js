// The kiosk's printed ticket: open the print dialog once the page (and its QR code) has
// loaded. An external script: the CSP allows no inline script.
window.addEventListener("load", function () { window.print(); });
