from teranga.platform.contract import ProductConfig


class AcademyConfig(ProductConfig):
    """Installs ``product.product()`` (the product contract)."""

    name = "teranga.products.academy"
    label = "academy"
