"""The demo providers' legal identity (raison sociale, SIRET, NDA, address, signatory,
referents), in the order of `demo.data.PROVIDERS`; the participation documents print it."""

# (raison sociale, street, postal code, city, (signatory, role),
#  (pedagogical referent, administrative referent, disability referent))
IDENTITIES = [
    (
        "GIP Cap Métiers Nouvelle-Aquitaine",
        "102 avenue de Canéjan",
        "33600",
        "Pessac",
        ("Hélène Dubreuil", "Directrice générale"),
        ("Sophie Lacoste", "Marc Etchegaray", "Nadia Benali"),
    ),
    (
        "SCOP Trajectoires SARL",
        "14 rue Sainte-Catherine",
        "33000",
        "Bordeaux",
        ("Julien Marchand", "Gérant"),
        ("Claire Dupuy", "Thomas Roux", "Amina Diallo"),
    ),
    (
        "Institut Aquitain de Pédagogie (association loi 1901)",
        "8 cours de la Marne",
        "33800",
        "Bordeaux",
        ("Isabelle Garnier", "Présidente"),
        ("Pierre Laborde", "Céline Morel", "Karim Haddad"),
    ),
    (
        "Atelier Médiations SAS",
        "27 rue Carnot",
        "86000",
        "Poitiers",
        ("Élodie Faure", "Présidente"),
        ("Nicolas Bernard", "Laura Petit", "Samuel Lefèvre"),
    ),
    (
        "Réseau Emploi Solidaire (association)",
        "5 place de la République",
        "87000",
        "Limoges",
        ("François Delmas", "Directeur"),
        ("Anne Rivière", "Yannick Puech", "Fatou Ndiaye"),
    ),
    (
        "Numérique Inclusif Conseil SARL",
        "3 allée des Lilas",
        "64000",
        "Pau",
        ("Mathilde Arrieta", "Gérante"),
        ("Hugo Camblong", "Sarah Lemoine", "Bastien Olivier"),
    ),
]

REFERENT_ROLES = ["pedagogical", "administrative", "disability"]
REFERENT_MAILBOXES = {
    "pedagogical": "pedagogie",
    "administrative": "admin",
    "disability": "handicap",
}
