-- The queue-number transaction alone: queueing.services.ticket_number_next, one statement in
-- its own transaction. Variables: as in transaction.sql (only service0 and nslots are used).
\set i random(0, :nslots - 1)
\set service_id :service0 + :i
INSERT INTO queueing_ticketsequence (service_id, date, last, walkins) VALUES (:service_id, ':date'::date, 1, 0) ON CONFLICT (service_id, date) DO UPDATE SET last = queueing_ticketsequence.last + 1 RETURNING last;
