// WatchpostMail owns notifications by email: MIME messages, templates, the durable outbox worker, SMTP and IMAP through Curl.
