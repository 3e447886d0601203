"""``AppendOnlyModel``: inserts go through; updates and deletes through the model raise
the subclass's exception with its messages, and write nothing."""

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from teranga.core.models import AppendOnlyModel, BaseModel

pytestmark = pytest.mark.django_db(transaction=True)  # a table of its own (schema editor)


class EntryLocked(Exception):
    pass


@pytest.fixture
def entry_models():
    """A plain append-only model (defaults) and one with its own exception and messages,
    both with a table, outside the project's app registry."""
    with isolate_apps("teranga.core"):

        class Entry(AppendOnlyModel, BaseModel):
            note = models.CharField(max_length=20)

            class Meta(BaseModel.Meta):
                app_label = "core"

        class Document(AppendOnlyModel):
            append_only_error = EntryLocked
            append_only_message = "documents cannot be updated"
            append_only_delete_message = "documents cannot be deleted"

            id = models.BigAutoField(primary_key=True)
            note = models.CharField(max_length=20)

            class Meta:
                app_label = "core"

    with connection.schema_editor() as editor:
        editor.create_model(Entry)
        editor.create_model(Document)
    yield Entry, Document
    with connection.schema_editor() as editor:
        editor.delete_model(Document)
        editor.delete_model(Entry)


def test_is_abstract_and_adds_no_field():
    assert AppendOnlyModel._meta.abstract
    assert AppendOnlyModel._meta.get_fields() == ()


def test_inserts_and_reads(entry_models):
    Entry, Document = entry_models
    entry = Entry(note="first")
    entry.save()
    Entry.objects.create(note="second")
    Document.objects.create(note="doc")
    assert sorted(Entry.objects.values_list("note", flat=True)) == ["first", "second"]
    assert Entry.objects.get(pk=entry.pk).created_at is not None
    assert Document.objects.get().note == "doc"


def test_update_through_save_raises_and_writes_nothing(entry_models):
    Entry, _ = entry_models
    entry = Entry.objects.create(note="first")
    entry.note = "changed"
    with pytest.raises(ValueError, match="^these rows are append-only$"):
        entry.save()
    with pytest.raises(ValueError):
        entry.save(update_fields=["note"])
    loaded = Entry.objects.get(pk=entry.pk)
    assert loaded.note == "first"
    with pytest.raises(ValueError):
        loaded.save()  # a row read from the database is not new either


def test_delete_raises_and_deletes_nothing(entry_models):
    Entry, _ = entry_models
    entry = Entry.objects.create(note="first")
    with pytest.raises(ValueError, match="^these rows are append-only$"):
        entry.delete()
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_subclass_exception_and_messages(entry_models):
    _, Document = entry_models
    document = Document.objects.create(note="doc")
    with pytest.raises(EntryLocked, match="^documents cannot be updated$"):
        document.save()
    with pytest.raises(EntryLocked, match="^documents cannot be deleted$"):
        document.delete()
    assert Document.objects.get(pk=document.pk).note == "doc"
