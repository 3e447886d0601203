from teranga.platform.contract import ProductConfig


class BookingConfig(ProductConfig):
    """Installs ``product.product()`` (the product contract)."""

    name = "teranga.products.booking"
    label = "booking"
