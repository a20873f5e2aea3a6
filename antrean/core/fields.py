"""Model fields for personal data."""

from django.db import models

from antrean.core import personal_data


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the plaintext.

    It cannot be filtered on: search by the keyed hash kept beside it.
    """

    def __init__(self, *args, purpose: str, **kwargs):
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return personal_data.decrypt(value, purpose=self.purpose)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return personal_data.encrypt(value, purpose=self.purpose)
