"""A security-group rule, the one concept podlb owns in the cloud, in one place.

- `value.py`: what a rule is: its field table (`FIELDS`), from which everything else that lists
  a rule's fields is derived (the Args and outputs, the provider's inputs, outputs and identity,
  its check, the schema entry, the BCE request body, plan's rows and doctor's coverage); the
  `Rule` value; group ids, CIDRs, and the spellings Baidu may answer in.
- `ownership.py`: the remark that says which podlb resource owns a rule.

This package is pure (models layer). The layers that act on a rule keep their part beside their
layer and read it from here: planning (cluster/rule_book.py, rule_budget.py), the BCE calls
(bce/security_groups.py), the provider's CRUD (provider/security_group_rule.py) and the
resource a program registers (resources.py). docs/design.md, "One rule, one table", says why
the package is not vertical."""
