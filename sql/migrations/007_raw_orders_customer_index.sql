-- Staging re-evaluates the orders it quarantined because their customer did not exist when one
-- of those customers arrives (macros/quarantine.sql, orders_waiting_for_their_customer): find
-- them by the customer id in the payload without scanning every order.

CREATE INDEX orders_payload_id_customer ON raw.orders ((payload ->> 'id_customer'));
