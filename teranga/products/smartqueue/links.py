"""The names of SmartQueue's link kinds (declared in ``product.py``): links to a ticket
or an appointment are ``teranga.core.links.object_link(<kind>, id)``."""

APPOINTMENT_LINK = "smartqueue.appointment"
TICKET_LINK = "smartqueue.ticket"
