-- qTox history database, schema version 9 (qTox 1.17): peers, aliases,
-- history with typed rows in text_messages / file_transfers / system_messages.
PRAGMA user_version = 9;
CREATE TABLE peers (id INTEGER PRIMARY KEY, public_key TEXT NOT NULL UNIQUE);
CREATE TABLE aliases (id INTEGER PRIMARY KEY, owner INTEGER, display_name BLOB NOT NULL, UNIQUE(owner, display_name), FOREIGN KEY (owner) REFERENCES peers(id));
CREATE TABLE history (id INTEGER PRIMARY KEY, message_type CHAR(1) NOT NULL DEFAULT 'T' CHECK (message_type in ('T','F','S')),
  timestamp INTEGER NOT NULL, chat_id INTEGER NOT NULL,
  UNIQUE (id, message_type), FOREIGN KEY (chat_id) REFERENCES peers(id));
CREATE TABLE text_messages (id INTEGER PRIMARY KEY, message_type CHAR(1) NOT NULL CHECK (message_type = 'T'),
  sender_alias INTEGER NOT NULL, message BLOB NOT NULL,
  FOREIGN KEY (id, message_type) REFERENCES history(id, message_type), FOREIGN KEY (sender_alias) REFERENCES aliases(id));
CREATE TABLE file_transfers (id INTEGER PRIMARY KEY, message_type CHAR(1) NOT NULL CHECK (message_type = 'F'),
  sender_alias INTEGER NOT NULL, file_restart_id BLOB NOT NULL, file_name BLOB NOT NULL, file_path BLOB NOT NULL,
  file_hash BLOB NOT NULL, file_size INTEGER NOT NULL, direction INTEGER NOT NULL, file_state INTEGER NOT NULL,
  FOREIGN KEY (id, message_type) REFERENCES history(id, message_type), FOREIGN KEY (sender_alias) REFERENCES aliases(id));
CREATE TABLE system_messages (id INTEGER PRIMARY KEY, message_type CHAR(1) NOT NULL CHECK (message_type = 'S'),
  system_message_type INTEGER NOT NULL, arg1 BLOB, arg2 BLOB, arg3 BLOB, arg4 BLOB,
  FOREIGN KEY (id, message_type) REFERENCES history(id, message_type));
CREATE TABLE faux_offline_pending (id INTEGER PRIMARY KEY, required_extensions INTEGER NOT NULL DEFAULT 0, FOREIGN KEY (id) REFERENCES history(id));
CREATE TABLE broken_messages (id INTEGER PRIMARY KEY, reason INTEGER NOT NULL DEFAULT 0, FOREIGN KEY (id) REFERENCES history(id));
