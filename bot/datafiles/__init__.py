"""Reading the YAML files editors and operators write, with file:line in every problem."""
