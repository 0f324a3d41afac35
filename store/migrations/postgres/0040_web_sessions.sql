-- Web sessions kept on the server (issue 11): the signed cookie names a
-- session (the SHA-256 of its nonce); signing out ends it here, so a copy
-- of the cookie stops working; it also ends at its lifetime and after
-- idling (app/sessions.go).
CREATE TABLE web_sessions (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    seen_at     TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
