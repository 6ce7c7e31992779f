-- Left in the write-ahead log: the newest message, and an edited conversation.
INSERT INTO messages (id, json, sent_at, received_at, received_at_ms, conversationId, source, sourceServiceId, sourceDevice, type, body, hasAttachments, timestamp)
VALUES ('m0000008-0000-4000-8000-000000000008', '{"id":"m0000008-0000-4000-8000-000000000008","type":"incoming","attachments":[]}',
  1773404000000, 1773404001000, 1773404001000, 'c0b0b0b0-0000-4000-8000-00000000000b', '+447700900456', 'b2b2b2b2-2222-4222-8222-222222222222', 1,
  'incoming', 'delete this chat after reading', 0, 1773404000000);
UPDATE conversations SET active_at = 1773404001000 WHERE id = 'c0b0b0b0-0000-4000-8000-00000000000b';
