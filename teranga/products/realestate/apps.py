from teranga.platform.contract import ProductConfig


class RealEstateConfig(ProductConfig):
    """Installs ``product.product()`` (the product contract)."""

    name = "teranga.products.realestate"
    label = "realestate"
    verbose_name = "DIGIT-HAB"
