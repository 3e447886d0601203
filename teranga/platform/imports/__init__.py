"""Bulk import of CSV and XLSX files, for every product.

* **Importers** (``extensions.importers``): products contribute them through the product
  contract (``Product.importers``, ``"<label>.<kind>"``). An importer declares its
  columns, validates one row with the product's own rules and writes the valid rows in
  bulk.
* **The mechanism** (``parsing``, ``services``): a file is read (CSV with its encoding
  and delimiter detected, Excel's UTF-8 BOM and ``;`` included; XLSX read-only), capped
  (size, rows, columns, cell length), every row validated and every error reported by
  line, then written in one transaction: all or nothing. A dry run does everything and
  keeps nothing.
* **The record** (``models.ImportRun``): who imported what, when, with its counts and
  errors, for the organisation's managers (``/api/v1/imports/``) and in the admin.
"""
