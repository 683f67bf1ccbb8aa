"""Follow-up's editable rules: payer deadlines (payer_rules.yaml), letter templates."""
