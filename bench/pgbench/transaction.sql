-- The booking transaction, statement for statement as Django sends it on PostgreSQL for one
-- POST /api/v1/bookings (booking.services.booking_create, whatsapp_consent true, the office's
-- ledger head already made). The text Django sends is in var/bench/booking-sql.txt; the bench
-- smoke test checks that both have the same statements in the same order.
--
-- Set by bench.dblimit with -D: slot0 service0 office0 rendering0 nslots per_office date
-- pact_sha256. Values that must differ per booking are made here: the NIK and phone hashes from
-- two 63-bit random numbers, the booking code from (service, number) which is unique, the
-- certificate number from (office, ledger position) which is unique. Values Django computes in
-- Python (encrypted personal data, hashes) are literals of the same length.
\set i random(0, :nslots - 1)
\set slot_id :slot0 + :i
\set service_id :service0 + :i
\set office_id :office0 + :i / :per_office
\set rendering_id :rendering0 + :i / :per_office
\set nik random(1, 9223372036854775806)
\set phone random(1, 9223372036854775806)
BEGIN;
UPDATE "catalog_slot" SET "booked" = ("catalog_slot"."booked" + 1) WHERE ("catalog_slot"."booked" < ("catalog_slot"."capacity") AND "catalog_slot"."id" = :slot_id);
INSERT INTO booking_phonedaycount (phone_hash, date, active) VALUES (md5('p:phone') || md5('P:phone'), ':date'::date, 1) ON CONFLICT (phone_hash, date) DO UPDATE SET active = booking_phonedaycount.active + 1 WHERE booking_phonedaycount.active < 3 RETURNING active;
INSERT INTO booking_nikdaycount (nik_hash, date, active) VALUES (md5('n:nik') || md5('N:nik'), ':date'::date, 1) ON CONFLICT (nik_hash, date) DO UPDATE SET active = booking_nikdaycount.active + 1 WHERE booking_nikdaycount.active < 3 RETURNING active;
INSERT INTO queueing_ticketsequence (service_id, date, last, walkins) VALUES (:service_id, ':date'::date, 1, 0) ON CONFLICT (service_id, date) DO UPDATE SET last = queueing_ticketsequence.last + 1 RETURNING last \gset
INSERT INTO "queueing_ticket" ("code", "office_id", "service_id", "numbered_service_id", "slot_id", "date", "seq", "number", "status", "channel", "priority", "name", "nik", "nik_hash", "phone", "phone_hash", "whatsapp_consent", "nik_check", "token_hash", "created_at", "cancelled_at", "arrived_at", "queue_key", "counter_id", "officer_id", "called_at", "started_at", "finished_at") VALUES (upper(lpad(to_hex((:service_id::bigint % 4096) * 1048576 + :last), 8, '0')), :office_id, :service_id, :service_id, :slot_id, ':date'::date, :last, 'A-' || lpad(':last', 3, '0'), 'booked', 'api', '', 'enc1:f22af6f2:OuUjVlo40IZl4Qo_Y-uXdzGXJ4UVjOTA0opbjcnkgQqaToQ87Uvm-d_dTUWoK-o=', 'enc1:f22af6f2:0pLGn29i5i8a_RpJynOWZDfIZtGFOkfZ0I26vSGAOjj7LibNCnqqFvDkj1U=', md5('n:nik') || md5('N:nik'), 'enc1:f22af6f2:Z4-Y_6tmPoX8nKPZuzS0i-CNgsF0nrVQNKguYOMK79qtyr6TDPw6dDyG', md5('p:phone') || md5('P:phone'), true, '', md5('t:nik') || md5('T:phone'), now(), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) RETURNING "queueing_ticket"."id" \gset ticket_
INSERT INTO "queueing_ticketevent" ("ticket_id", "move", "from_status", "to_status", "at", "officer_id", "counter_id", "service_id", "note") VALUES (:ticket_id, 'book', '', 'booked', now(), NULL, NULL, :service_id, '') RETURNING "queueing_ticketevent"."id";
SELECT "integrity_ledgerhead"."office_id", "integrity_ledgerhead"."seq", "integrity_ledgerhead"."hash", "integrity_ledgerhead"."updated_at" FROM "integrity_ledgerhead" WHERE "integrity_ledgerhead"."office_id" = :office_id ORDER BY "integrity_ledgerhead"."office_id" ASC LIMIT 1 FOR UPDATE \gset head_
INSERT INTO "integrity_pactsignature" ("office_id", "audience", "rendering_id", "pact_version", "pact_sha256", "ticket_id", "officer_id", "signed_at", "channel", "client_ip", "user_agent", "ledger_seq", "prev_hash", "entry_hash") VALUES (:office_id, 'citizen', :rendering_id, 1, ':pact_sha256', :ticket_id, NULL, now(), 'api', '127.0.0.1'::inet, '', :head_seq + 1, ':head_hash', md5('e:nik') || md5('E:phone')) RETURNING "integrity_pactsignature"."id" \gset signature_
UPDATE "integrity_ledgerhead" SET "seq" = :head_seq + 1, "hash" = md5('e:nik') || md5('E:phone'), "updated_at" = now() WHERE "integrity_ledgerhead"."office_id" = :office_id;
INSERT INTO "integrity_certificate" ("signature_id", "office_id", "number", "verification_code", "status", "pdf", "pdf_sha256", "signing_key_id", "created_at", "rendered_at", "revoked_at", "revoked_reason", "revoked_by_id") VALUES (:signature_id, :office_id, 'BENCH-' || :office_id || '-' || lpad((:head_seq + 1)::text, 6, '0'), upper(substr(md5('v:nik'), 1, 16)), 'valid', '', '', NULL, now(), NULL, NULL, '', NULL) RETURNING "integrity_certificate"."id" \gset certificate_
INSERT INTO "django_tasks_database_dbtaskresult" ("id", "status", "enqueued_at", "started_at", "finished_at", "args_kwargs", "priority", "task_path", "worker_ids", "queue_name", "backend_name", "run_after", "return_value", "exception_class_path", "traceback") VALUES (md5('u:nik')::uuid, 'READY', now(), NULL, NULL, '{"args": [], "kwargs": {"certificate_id": :certificate_id}}'::jsonb, 0, 'antrean.integrity.tasks.render_certificate', '[]'::jsonb, 'certificates', 'default', '9999-01-01 00:00:00+00:00'::timestamptz, NULL, '', '');
INSERT INTO "notifications_message" ("office_id", "ticket_id", "kind", "recipient", "recipient_hash", "template_name", "language", "params", "with_certificate", "status", "attempts", "next_attempt_at", "claimed_by", "claimed_at", "request_started_at", "provider_id", "error_code", "error_category", "error_detail", "created_at", "sent_at", "delivered_at", "read_at", "failed_at") VALUES (:office_id, :ticket_id, 'booking_confirmed', 'enc1:f22af6f2:oWzBpDnRnRbAL0m4SSUS703WGSAgpSBXmF3OYzU6QQ2LciCMnY1aQrwK', md5('p:phone') || md5('P:phone'), 'antrean_booking_confirmed', 'id',  E'["A-002", "Layanan 3", "Mal Pelayanan Publik kantor-1", "Minggu, 29 November 2026, 09.00\\u201310.00 WITA", "BF0T-VJ0W"]'::jsonb, true, 'pending', 0, now(), '', NULL, NULL, NULL, '', '', '', now(), NULL, NULL, NULL, NULL) RETURNING "notifications_message"."id" \gset message_
INSERT INTO "notifications_messageevent" ("message_id", "at", "event", "detail") VALUES (:message_id, now(), 'queued', '') RETURNING "notifications_messageevent"."id";
COMMIT;
