"""`limo demo`: the whole LIMO loop on a tiny CPU model, with nothing from the network."""
