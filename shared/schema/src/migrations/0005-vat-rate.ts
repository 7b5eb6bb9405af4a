/**
 * The VAT rate (IVA) of each product, as a percentage: 21% is Argentina's general rate, 10.5% the
 * reduced one some foods carry. A decimal, not a float: 10.50 must stay 10.50 on every device
 * (money stays integer cents; this is a rate). Synced with the products shape, in PostgreSQL's
 * numeric text, which the client keeps as a string unless the app gives it a parser.
 */
export const vatRate = `
ALTER TABLE product ADD COLUMN vat_rate numeric(4,2) NOT NULL DEFAULT 21.00
  CHECK (vat_rate >= 0 AND vat_rate < 100);
`;
