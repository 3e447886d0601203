from teranga.platform.contract import ProductConfig


class SmartQueueConfig(ProductConfig):
    """Installs ``product.product()`` (the product contract)."""

    name = "teranga.products.smartqueue"
    label = "smartqueue"
    verbose_name = "SmartQueue"
