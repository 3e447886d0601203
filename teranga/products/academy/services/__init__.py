"""Writes of the Academy (keyword-only, atomic; notifications recorded in the same
transaction and delivered after commit). See each module: ``formations``, ``sessions``
(schedules, moving and cancelling a date), ``enrolments`` (and the payable's
fulfilment), ``attendance`` (check-in link, roll call) and ``reminders``."""
