"""mail: render the store's order mails, preview them, replay real orders through SMTP."""
