-- Session Desktop schema (messages, conversations, items as its migrations
-- leave them; a subset of columns, names unchanged).
CREATE TABLE items(id STRING PRIMARY KEY ASC, json TEXT);
CREATE TABLE conversations(id STRING PRIMARY KEY ASC, active_at INTEGER, type STRING, members TEXT, zombies TEXT DEFAULT '[]',
  left INTEGER, expireTimer INTEGER, mentionedUs INTEGER, unreadCount INTEGER, lastMessageStatus TEXT, lastMessage TEXT,
  lastJoinedTimestamp INTEGER, groupAdmins TEXT, isKickedFromGroup BOOLEAN, avatarPointer TEXT, nickname TEXT,
  profileKey TEXT, triggerNotificationsFor TEXT DEFAULT 'all', isTrustedForAttachmentDownload BOOLEAN DEFAULT false,
  priority INTEGER DEFAULT 0, isApproved BOOLEAN DEFAULT false, didApproveMe BOOLEAN DEFAULT false,
  avatarInProfile TEXT, displayNameInProfile TEXT, conversationIdOrigin TEXT, markedAsUnread BOOLEAN);
CREATE TABLE messages(id STRING PRIMARY KEY ASC, json TEXT, unread INTEGER, expires_at INTEGER, sent INTEGER, sent_at INTEGER,
  schemaVersion INTEGER, conversationId STRING, received_at INTEGER, source STRING, sourceDevice STRING,
  hasAttachments INTEGER, hasFileAttachments INTEGER, hasVisualMediaAttachments INTEGER, expireTimer INTEGER,
  expirationStartTimestamp INTEGER, type STRING, body TEXT, messageHash TEXT, isDeleted BOOLEAN, serverId INTEGER,
  serverTimestamp INTEGER, serverHash TEXT);

INSERT INTO items VALUES ('number_id', '{"id":"number_id","value":"05aaaa11112222333344445555666677778888999900001111222233334444555566"}');
INSERT INTO conversations (id, active_at, type, members, displayNameInProfile, nickname, isApproved, didApproveMe)
VALUES ('05bbbb11112222333344445555666677778888999900001111222233334444555566', 1773500100000, 'private', '[]', 'Dmitri', 'the supplier', 1, 1);
INSERT INTO messages (id, json, sent_at, received_at, conversationId, source, type, body, hasAttachments, messageHash)
VALUES ('s-0001', '{"id":"s-0001","attachments":[]}', 1773500000000, 1773500000500, '05bbbb11112222333344445555666677778888999900001111222233334444555566',
  '05bbbb11112222333344445555666677778888999900001111222233334444555566', 'incoming', 'new batch in, 20% off <i>today</i>', 0, 'hash1');
INSERT INTO messages (id, json, sent_at, received_at, conversationId, source, type, body, hasAttachments, messageHash)
VALUES ('s-0002', '{"id":"s-0002","attachments":[{"contentType":"image/png","fileName":"menu.png","size":2048,"path":"9c/9c0ffee0"}]}', 1773500100000, 1773500100000,
  '05bbbb11112222333344445555666677778888999900001111222233334444555566', '05aaaa11112222333344445555666677778888999900001111222233334444555566', 'outgoing', 'send the menu' || char(8235) || 'x', 1, 'hash2');
