from teranga.platform.contract import ProductConfig


class CampusConfig(ProductConfig):
    """Installs ``product.product()`` (the product contract)."""

    name = "teranga.products.campus"
    label = "campus"
