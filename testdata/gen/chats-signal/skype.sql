-- Legacy Skype (<= 7.x) main.db: the tables Loupe reads, with the columns
-- Skype wrote (a subset of each table's ~100 columns, names unchanged).
CREATE TABLE Accounts (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, status INTEGER, skypename TEXT,
  pstnnumber TEXT, fullname TEXT, birthday INTEGER, gender INTEGER, languages TEXT, country TEXT, province TEXT,
  city TEXT, phone_home TEXT, phone_office TEXT, phone_mobile TEXT, emails TEXT, homepage TEXT, about TEXT,
  profile_timestamp INTEGER, displayname TEXT, mood_text TEXT, timezone INTEGER, ipcountry TEXT,
  lastonline_timestamp INTEGER, lastused_timestamp INTEGER, registration_timestamp INTEGER, liveid_membername TEXT,
  signin_name TEXT, avatar_image BLOB, rich_mood_text TEXT);
CREATE TABLE Contacts (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, type INTEGER, skypename TEXT,
  pstnnumber TEXT, aliases TEXT, fullname TEXT, birthday INTEGER, gender INTEGER, languages TEXT, country TEXT,
  province TEXT, city TEXT, phone_home TEXT, phone_office TEXT, phone_mobile TEXT, emails TEXT, homepage TEXT,
  about TEXT, mood_text TEXT, timezone INTEGER, profile_timestamp INTEGER, ipcountry TEXT,
  lastonline_timestamp INTEGER, displayname TEXT, given_displayname TEXT, authreq_timestamp INTEGER,
  lastused_timestamp INTEGER, buddystatus INTEGER, isauthorized INTEGER, isblocked INTEGER, avatar_image BLOB);
CREATE TABLE Conversations (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, identity TEXT, type INTEGER,
  live_host TEXT, live_start_timestamp INTEGER, given_displayname TEXT, displayname TEXT, inbox_timestamp INTEGER,
  last_activity_timestamp INTEGER, creator TEXT, creation_timestamp INTEGER, my_status INTEGER, meta_name TEXT,
  meta_topic TEXT, meta_guidelines TEXT, meta_picture BLOB);
CREATE TABLE Messages (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, convo_id INTEGER, chatname TEXT,
  author TEXT, from_dispname TEXT, author_was_live INTEGER, guid BLOB, dialog_partner TEXT, timestamp INTEGER,
  type INTEGER, sending_status INTEGER, consumption_status INTEGER, edited_by TEXT, edited_timestamp INTEGER,
  param_key INTEGER, param_value INTEGER, body_xml TEXT, identities TEXT, reason TEXT, leavereason INTEGER,
  participant_count INTEGER, error_code INTEGER, chatmsg_type INTEGER, chatmsg_status INTEGER,
  body_is_rawxml INTEGER, oldoptions INTEGER, newoptions INTEGER, newrole INTEGER, pk_id INTEGER, crc INTEGER,
  remote_id INTEGER, call_guid TEXT);
CREATE TABLE Transfers (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, type INTEGER, partner_handle TEXT,
  partner_dispname TEXT, status INTEGER, failurereason INTEGER, starttime INTEGER, finishtime INTEGER,
  filepath TEXT, filename TEXT, filesize TEXT, bytestransferred TEXT, bytespersecond INTEGER, chatmsg_guid BLOB,
  chatmsg_index INTEGER, convo_id INTEGER, pk_id INTEGER, accepttime INTEGER, parent_id INTEGER);
CREATE TABLE Calls (id INTEGER NOT NULL PRIMARY KEY, is_permanent INTEGER, begin_timestamp INTEGER, topic TEXT,
  is_muted INTEGER, is_unseen_missed INTEGER, host_identity TEXT, duration INTEGER, name TEXT, conv_dbid INTEGER);

INSERT INTO Accounts (id, is_permanent, status, skypename, fullname, displayname, country, city, emails, mood_text, profile_timestamp, lastused_timestamp, registration_timestamp)
VALUES (1, 1, 7, 'alice.market', 'Alice Example', 'Alice', 'gb', 'London', 'alice@example.org', 'busy', 1420070400, 1443657600, 1262304000);
INSERT INTO Contacts (id, is_permanent, type, skypename, fullname, displayname, given_displayname, country, city, mood_text, buddystatus, isauthorized, isblocked, lastonline_timestamp)
VALUES (1, 1, 1, 'bob.vendor', 'Bob Vendor', 'Bob', NULL, 'nl', 'Rotterdam', 'shipping worldwide', 3, 1, 0, 1443650000);
INSERT INTO Contacts (id, is_permanent, type, skypename, fullname, displayname, given_displayname, country, city, mood_text, buddystatus, isauthorized, isblocked, lastonline_timestamp)
VALUES (2, 1, 1, 'carol.c', 'Carol C', 'Carol', 'Carol (courier)', 'gb', 'Leeds', NULL, 3, 1, 1, NULL);
INSERT INTO Conversations (id, is_permanent, identity, type, displayname, given_displayname, creation_timestamp, last_activity_timestamp, creator, meta_topic)
VALUES (10, 1, 'bob.vendor', 1, 'Bob', NULL, 1443600000, 1443600360, NULL, NULL);
INSERT INTO Conversations (id, is_permanent, identity, type, displayname, given_displayname, creation_timestamp, last_activity_timestamp, creator, meta_topic)
VALUES (11, 1, '#alice.market/$bob.vendor;a1b2c3d4e5f60718', 2, 'Shipping team', NULL, 1443601000, 1443601200, 'alice.market', 'orders <b>only</b>');
INSERT INTO Messages (id, is_permanent, convo_id, chatname, author, from_dispname, dialog_partner, timestamp, type, chatmsg_type, body_xml, sending_status)
VALUES (101, 1, 10, '#bob.vendor/$alice.market;1111', 'bob.vendor', 'Bob', 'bob.vendor', 1443600000, 61, 3, 'got 50 pcs, price per pc?', NULL);
INSERT INTO Messages (id, is_permanent, convo_id, chatname, author, from_dispname, dialog_partner, timestamp, type, chatmsg_type, body_xml, sending_status)
VALUES (102, 1, 10, '#bob.vendor/$alice.market;1111', 'alice.market', 'Alice', 'bob.vendor', 1443600120, 61, 3, '&lt;script&gt;alert(1)&lt;/script&gt; <ss type="smile">:)</ss> 0.05 ' || char(8207) || 'BTC' || char(0x1b) || '[0m', 2);
INSERT INTO Messages (id, is_permanent, convo_id, chatname, author, from_dispname, dialog_partner, timestamp, type, chatmsg_type, body_xml, sending_status)
VALUES (103, 1, 10, '#bob.vendor/$alice.market;1111', 'bob.vendor', 'Bob', 'bob.vendor', 1443600240, 68, 7, '<files alt="sent file &quot;list.txt&quot;"><file size="2048" index="0" tid="4212">list.txt</file></files>', NULL);
INSERT INTO Messages (id, is_permanent, convo_id, chatname, author, from_dispname, dialog_partner, timestamp, type, chatmsg_type, body_xml, sending_status)
VALUES (104, 1, 10, '#bob.vendor/$alice.market;1111', 'alice.market', 'Alice', 'bob.vendor', 1443600360, 61, 3, 'deal' || char(10) || 'ship tomorrow', 2);
INSERT INTO Messages (id, is_permanent, convo_id, chatname, author, from_dispname, dialog_partner, timestamp, type, chatmsg_type, body_xml, sending_status)
VALUES (105, 1, 11, '#alice.market/$bob.vendor;a1b2c3d4e5f60718', 'carol.c', 'Carol', NULL, 1443601200, 61, 3, 'parcel is at the depot', NULL);
INSERT INTO Transfers (id, is_permanent, type, partner_handle, partner_dispname, status, starttime, finishtime, filepath, filename, filesize, bytestransferred, convo_id, chatmsg_index)
VALUES (4212, 1, 1, 'bob.vendor', 'Bob', 8, 1443600240, 1443600250, 'C:\Users\alice\Documents\list.txt', 'list.txt', '2048', '2048', 10, 0);
INSERT INTO Calls (id, is_permanent, begin_timestamp, topic, host_identity, duration, name, conv_dbid)
VALUES (1, 1, 1443600500, NULL, 'alice.market', 95, '1-1443600500', 10);
