from tests.mail.smtp import inbox, mail_client, mail_settings  # noqa: F401 - fixtures shared by the mail tests
