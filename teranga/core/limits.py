"""How long free text may be. Every free-text field, in a model or in a serializer, takes
its ``max_length`` from here, so that a client, the schema and the admin all see the same
bound (issue 15: an organisation description of 100,000 characters was accepted)."""

#: A description or a policy shown on a public page (an organisation, a service, an event).
DESCRIPTION_MAX_LENGTH = 5_000
#: A note, a reason, a comment or an automatic reply: a few sentences.
NOTE_MAX_LENGTH = 2_000
#: A chat message's text.
MESSAGE_MAX_LENGTH = 4_000
#: A search query or a short label typed in a filter.
QUERY_MAX_LENGTH = 200
#: A password typed to confirm an action. Django's hashers take any length; this is the
#: bound Django itself once set (CVE-2013-1443), far past any passphrase.
PASSWORD_MAX_LENGTH = 4_096
#: A provider's or a task's error as recorded on a row (the code truncates it to this).
ERROR_MAX_LENGTH = 2_000
