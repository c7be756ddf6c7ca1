"""Messages that leave the building: the outbox, the channels that carry it, and who sends.

Nothing here imports Qt. The outbox is written in the transaction of its cause (hvdesk.notify.outbox);
the sender delivers after commit (hvdesk.notify.sender); channels talk to an SMTP relay and an
HTTPS SMS gateway (hvdesk.notify.email, hvdesk.notify.sms); secrets never touch the database
(hvdesk.notify.secrets).
"""
