from teranga.platform.contract import ProductConfig


class TutoringConfig(ProductConfig):
    """The example product of ``docs/adding-a-product.md``: installed by the test
    settings only, it proves that the guide is true."""

    name = "tests.example_product"
    label = "tutoring"
