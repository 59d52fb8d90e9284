"""The specification's harness: provisioning, isolation, factories and reporting."""
