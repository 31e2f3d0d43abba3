"""The membership formulas' yearly prices in euros (FAQ Q3), in one place: the rules' refusal
message, the Membership model's default amounts and labels, and the pages read them here."""

BASE_MEMBERSHIP_PRICE = 100
EXTENDED_MEMBERSHIP_PRICE = 150
