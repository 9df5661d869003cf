"""收款收据: the numbered receipt printed for a villager who pays cash (a 现金收回 entry on a claim)."""
