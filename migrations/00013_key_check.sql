-- A check value sealed with the secret key, so a start with another key
-- (a lost key file replaced by a new one, a changed PUSHDECK_SECRET_KEY) is
-- noticed before any credential is needed, instead of every provider call
-- and edit form failing later. One row; written on the first start that
-- can open every stored credential.

-- +goose Up
CREATE TABLE key_check (
    id         INTEGER  PRIMARY KEY CHECK (id = 1),
    sealed     BLOB     NOT NULL,
    created_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE key_check;
