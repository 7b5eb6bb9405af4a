/**
 * The data model (ARCHITECTURE.md "Data model"). Every operational row carries tenant_id and,
 * where it belongs to a branch, branch_id. Keys are UUIDs made by whoever creates the row.
 * Money is bigint cents. `check` and `table` are SQL keywords, hence dining_check / dining_table.
 */
export const core = `
CREATE TABLE tenant (
  id uuid PRIMARY KEY,
  slug text NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE branch (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  slug text NOT NULL,
  name text NOT NULL,
  timezone text NOT NULL,
  currency text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, slug)
);

CREATE TABLE app_user (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  email text NOT NULL,
  name text NOT NULL,
  password_hash text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX app_user_email ON app_user (lower(email));

CREATE TABLE user_branch_role (
  user_id uuid NOT NULL REFERENCES app_user(id),
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  role text NOT NULL CHECK (role IN ('ADMIN', 'MANAGER', 'WAITER', 'KITCHEN')),
  PRIMARY KEY (user_id, branch_id, role)
);

CREATE TABLE refresh_token (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES app_user(id),
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  family_id uuid NOT NULL,
  token_hash text NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  replaced_by uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_token_family ON refresh_token (family_id);

CREATE TABLE server_secret (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sector (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  name text NOT NULL,
  sort integer NOT NULL DEFAULT 0
);

CREATE TABLE dining_table (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  sector_id uuid REFERENCES sector(id),
  code text NOT NULL,
  seats integer NOT NULL CHECK (seats > 0),
  status text NOT NULL DEFAULT 'FREE' CHECK (status IN ('FREE', 'OCCUPIED')),
  qr_version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (branch_id, code)
);

CREATE TABLE category (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  name text NOT NULL,
  sort integer NOT NULL DEFAULT 0
);

CREATE TABLE product (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  category_id uuid REFERENCES category(id),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  ingredients text[] NOT NULL DEFAULT '{}',
  allergens text[] NOT NULL DEFAULT '{}',
  may_contain text[] NOT NULL DEFAULT '{}',
  dietary text[] NOT NULL DEFAULT '{}',
  spice_level integer NOT NULL DEFAULT 0 CHECK (spice_level BETWEEN 0 AND 3),
  tags text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE branch_product (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  product_id uuid NOT NULL REFERENCES product(id),
  price_cents bigint NOT NULL CHECK (price_cents >= 0),
  is_available boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (branch_id, product_id)
);

CREATE TABLE table_session (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  table_id uuid NOT NULL REFERENCES dining_table(id),
  status text NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
  opened_by_user_id uuid REFERENCES app_user(id),
  opened_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz
);
-- One active session per table, enforced by the database as well as by the mutator.
CREATE UNIQUE INDEX table_session_one_open ON table_session (table_id) WHERE status = 'OPEN';
CREATE INDEX table_session_branch ON table_session (branch_id, status);

CREATE TABLE diner (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  session_id uuid NOT NULL REFERENCES table_session(id),
  name text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX diner_session ON diner (session_id);

CREATE TABLE round (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  session_id uuid NOT NULL REFERENCES table_session(id),
  table_id uuid NOT NULL REFERENCES dining_table(id),
  number integer NOT NULL,
  status text NOT NULL CHECK (status IN ('SUBMITTED', 'IN_KITCHEN', 'READY', 'SERVED', 'CANCELED')),
  submitted_by_user_id uuid REFERENCES app_user(id),
  submitted_by_diner_id uuid REFERENCES diner(id),
  cancel_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz,
  ready_at timestamptz,
  served_at timestamptz,
  canceled_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (session_id, number)
);
CREATE INDEX round_branch_status ON round (branch_id, status);

CREATE TABLE round_item (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  round_id uuid NOT NULL REFERENCES round(id),
  session_id uuid NOT NULL REFERENCES table_session(id),
  product_id uuid NOT NULL REFERENCES product(id),
  product_name text NOT NULL,
  qty integer NOT NULL CHECK (qty BETWEEN 1 AND 99),
  unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
  notes text,
  diner_id uuid REFERENCES diner(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX round_item_round ON round_item (round_id);
CREATE INDEX round_item_session ON round_item (session_id);

CREATE TABLE service_call (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  session_id uuid NOT NULL REFERENCES table_session(id),
  table_id uuid NOT NULL REFERENCES dining_table(id),
  kind text NOT NULL CHECK (kind IN ('WAITER', 'PAYMENT_HELP')),
  status text NOT NULL CHECK (status IN ('OPEN', 'ACKED')),
  created_by_user_id uuid REFERENCES app_user(id),
  created_by_diner_id uuid REFERENCES diner(id),
  acked_by_user_id uuid REFERENCES app_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  acked_at timestamptz
);

CREATE TABLE dining_check (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  session_id uuid NOT NULL UNIQUE REFERENCES table_session(id),
  table_id uuid NOT NULL REFERENCES dining_table(id),
  status text NOT NULL CHECK (status IN ('OPEN', 'PAID')),
  total_cents bigint NOT NULL CHECK (total_cents >= 0),
  paid_cents bigint NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
  tip_cents bigint NOT NULL DEFAULT 0 CHECK (tip_cents >= 0),
  requested_at timestamptz NOT NULL DEFAULT now(),
  paid_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (paid_cents <= total_cents)
);

CREATE TABLE payment (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  check_id uuid NOT NULL REFERENCES dining_check(id),
  session_id uuid NOT NULL REFERENCES table_session(id),
  method text NOT NULL CHECK (method IN ('CASH', 'CARD')),
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  tip_cents bigint NOT NULL DEFAULT 0 CHECK (tip_cents >= 0),
  recorded_by_user_id uuid REFERENCES app_user(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_check ON payment (check_id);

CREATE TABLE event (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid REFERENCES branch(id),
  type text NOT NULL,
  entity text NOT NULL,
  entity_id uuid NOT NULL,
  session_id uuid,
  table_id uuid,
  actor_kind text NOT NULL,
  actor_id uuid,
  payload jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_branch ON event (branch_id, created_at);

CREATE TABLE audit_log (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  branch_id uuid,
  actor_kind text NOT NULL,
  actor_id uuid,
  mutation_id uuid,
  action text NOT NULL,
  status text NOT NULL,
  code text,
  args jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, created_at);

-- Exactly-once: a mutation id seen before returns this stored result and writes nothing.
CREATE TABLE applied_mutation (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  actor_id uuid,
  name text NOT NULL,
  result jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE knowledge_document (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid REFERENCES branch(id),
  title text NOT NULL,
  source text,
  body text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`;
