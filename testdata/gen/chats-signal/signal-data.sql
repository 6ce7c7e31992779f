-- The account: Ofcom drama-range number, fictitious ACI.
INSERT INTO items VALUES ('number_id', '{"id":"number_id","value":"+447700900123.1"}');
INSERT INTO items VALUES ('uuid_id', '{"id":"uuid_id","value":"a1a1a1a1-1111-4111-8111-111111111111.1"}');
INSERT INTO items VALUES ('pni', '{"id":"pni","value":"PNI:e5e5e5e5-5555-4555-8555-555555555555"}');
INSERT INTO items VALUES ('theme-setting', '{"id":"theme-setting","value":"dark"}');

INSERT INTO conversations (id, json, active_at, type, members, name, profileName, profileFamilyName, profileFullName, e164, serviceId, groupId)
VALUES ('c0b0b0b0-0000-4000-8000-00000000000b', '{"id":"c0b0b0b0-0000-4000-8000-00000000000b","type":"private","profileName":"Bob","profileFamilyName":"Market"}',
  1773400300000, 'private', NULL, NULL, 'Bob', 'Market', 'Bob Market', '+447700900456', 'b2b2b2b2-2222-4222-8222-222222222222', NULL);
INSERT INTO conversations (id, json, active_at, type, members, name, profileName, profileFamilyName, profileFullName, e164, serviceId, groupId)
VALUES ('c0c0c0c0-0000-4000-8000-00000000000c', '{"id":"c0c0c0c0-0000-4000-8000-00000000000c","type":"group","name":"Vendors"}',
  1773403000000, 'group', 'b2b2b2b2-2222-4222-8222-222222222222 c3c3c3c3-3333-4333-8333-333333333333', 'Vendors', NULL, NULL, NULL, NULL, NULL, 'Z3JvdXAtaWQtdmVuZG9ycy0wMDAwMDAwMDAwMDA=');
INSERT INTO conversations (id, json, active_at, type, members, name, profileName, profileFamilyName, profileFullName, e164, serviceId, groupId)
VALUES ('c0d0d0d0-0000-4000-8000-00000000000d', '{"id":"c0d0d0d0-0000-4000-8000-00000000000d","type":"private","profileName":"Carol"}',
  NULL, 'private', NULL, NULL, 'Carol', NULL, 'Carol', '+447700900789', 'c3c3c3c3-3333-4333-8333-333333333333', NULL);

INSERT INTO messages (id, json, sent_at, received_at, received_at_ms, conversationId, source, sourceServiceId, sourceDevice, type, body, hasAttachments, timestamp)
VALUES ('m0000001-0000-4000-8000-000000000001', '{"id":"m0000001-0000-4000-8000-000000000001","type":"incoming","attachments":[]}',
  1773400000000, 1773400001000, 1773400001234, 'c0b0b0b0-0000-4000-8000-00000000000b', '+447700900456', 'b2b2b2b2-2222-4222-8222-222222222222', 1,
  'incoming', 'Hello, is the package ready?', 0, 1773400000000);
INSERT INTO messages (id, json, sent_at, received_at, received_at_ms, conversationId, source, sourceServiceId, sourceDevice, type, body, hasAttachments, timestamp)
VALUES ('m0000002-0000-4000-8000-000000000002', '{"id":"m0000002-0000-4000-8000-000000000002","type":"outgoing","attachments":[]}',
  1773400060000, 1773400060000, 1773400060000, 'c0b0b0b0-0000-4000-8000-00000000000b', NULL, NULL, NULL,
  'outgoing', 'Yes. <b>bold</b> & <script>alert("x")</script>', 0, 1773400060000);
-- Right-to-left override and mark, BEL and SOH: stored byte for byte.
INSERT INTO messages (id, json, sent_at, received_at, received_at_ms, conversationId, source, sourceServiceId, sourceDevice, type, body, hasAttachments, timestamp)
VALUES ('m0000003-0000-4000-8000-000000000003', '{"id":"m0000003-0000-4000-8000-000000000003","type":"incoming","attachments":[]}',
  1773400120000, 1773400121000, 1773400121500, 'c0b0b0b0-0000-4000-8000-00000000000b', '+447700900456', 'b2b2b2b2-2222-4222-8222-222222222222', 1,
  'incoming', 'price ' || char(8238) || '05 BTC' || char(8207) || char(1) || char(7) || ' end', 0, 1773400120000);
INSERT INTO messages (id, json, sent_at, received_at, received_at_ms, conversationId, source, sourceServiceId, sourceDevice, type, body, hasAttachments, hasVisualMediaAttachments, timestamp)
VALUES ('m0000004-0000-4000-8000-000000000004',
  '{"id":"m0000004-0000-4000-8000-000000000004","type":"outgoing","attachments":[{"contentType":"image/jpeg","fileName":"stock.jpg","size":48213,"path":"3f/3f9a1c0d2e4b5a69788f0e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f7","width":1024,"height":768},{"contentType":"application/pdf","fileName":"price list.pdf","size":10240,"path":"a0/a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9f"}]}',
  1773400300000, 1773400300000, 1773400300000, 'c0b0b0b0-0000-4000-8000-00000000000b', NULL, NULL, NULL,
  'outgoing', 'photo attached', 1, 1, 1773400300000);
INSERT INTO messages (id, json, sent_at, received_at, received_at_ms, conversationId, source, sourceServiceId, sourceDevice, type, body, hasAttachments, timestamp)
VALUES ('m0000005-0000-4000-8000-000000000005', '{"id":"m0000005-0000-4000-8000-000000000005","type":"incoming","attachments":[]}',
  1773402000000, 1773402002000, 1773402002000, 'c0c0c0c0-0000-4000-8000-00000000000c', '+447700900789', 'c3c3c3c3-3333-4333-8333-333333333333', 2,
  'incoming', 'meet at 21:00' || char(10) || 'bring cash' || char(9) || 'only', 0, 1773402000000);
INSERT INTO messages (id, json, sent_at, received_at, received_at_ms, conversationId, source, sourceServiceId, sourceDevice, type, body, hasAttachments, timestamp)
VALUES ('m0000006-0000-4000-8000-000000000006', '{"id":"m0000006-0000-4000-8000-000000000006","type":"keychange","key_changed":"b2b2b2b2-2222-4222-8222-222222222222"}',
  1773402500000, 1773402500000, 1773402500000, 'c0b0b0b0-0000-4000-8000-00000000000b', NULL, NULL, NULL,
  'keychange', NULL, 0, 1773402500000);
INSERT INTO messages (id, json, sent_at, received_at, received_at_ms, conversationId, source, sourceServiceId, sourceDevice, type, body, hasAttachments, timestamp)
VALUES ('m0000007-0000-4000-8000-000000000007', '{"id":"m0000007-0000-4000-8000-000000000007","type":"outgoing","attachments":[]}',
  1773403000000, 1773403000000, 1773403000000, 'c0c0c0c0-0000-4000-8000-00000000000c', NULL, NULL, NULL,
  'outgoing', 'ok, see you there', 0, 1773403000000);
