-- Signal Desktop schema (tables and columns as the current Signal Desktop
-- migrations leave them; only the tables Loupe reads plus a few neighbours).
CREATE TABLE items(id STRING PRIMARY KEY ASC, json TEXT);
CREATE TABLE conversations(
  id STRING PRIMARY KEY ASC, json TEXT, active_at INTEGER, type STRING, members TEXT,
  name TEXT, profileName TEXT, profileFamilyName TEXT, profileFullName TEXT, e164 TEXT,
  serviceId TEXT, groupId TEXT, profileLastFetchedAt INTEGER, expireTimerVersion INTEGER NOT NULL DEFAULT 1);
CREATE TABLE messages(
  rowid INTEGER PRIMARY KEY ASC, id STRING UNIQUE, json TEXT, readStatus INTEGER,
  expires_at INTEGER, sent_at INTEGER, schemaVersion INTEGER, conversationId STRING,
  received_at INTEGER, source STRING, hasAttachments INTEGER, hasFileAttachments INTEGER,
  hasVisualMediaAttachments INTEGER, expireTimer INTEGER, expirationStartTimestamp INTEGER,
  type STRING, body TEXT, messageTimer INTEGER, messageTimerStart INTEGER,
  messageTimerExpiresAt INTEGER, isErased INTEGER, isViewOnce INTEGER, sourceServiceId TEXT,
  serverGuid STRING NULL, sourceDevice INTEGER, storyId STRING, isStory INTEGER,
  isChangeCreatedByUs INTEGER NOT NULL DEFAULT 0, isTimerChangeFromSync INTEGER DEFAULT 0,
  shouldAffectActivity INTEGER, shouldAffectPreview INTEGER, isUserInitiatedMessage INTEGER,
  isGroupLeaveEvent INTEGER, isGroupLeaveEventFromOther INTEGER, callId TEXT,
  seenStatus NUMBER default 0, mentionsMe INTEGER NOT NULL DEFAULT 0, received_at_ms INTEGER,
  timestamp INTEGER);
CREATE TABLE identityKeys(id STRING PRIMARY KEY ASC, json TEXT);
CREATE TABLE sessions(id TEXT PRIMARY KEY, conversationId TEXT, json TEXT, ourServiceId STRING, serviceId STRING);
CREATE TABLE reactions(conversationId STRING, emoji STRING, fromId STRING, messageReceivedAt INTEGER,
  targetAuthorAci STRING, targetTimestamp INTEGER, unread INTEGER, messageId STRING);
CREATE INDEX messages_conversation ON messages (conversationId, isStory, storyId, received_at, sent_at);
