"""Accounts: users, passwords, tokens and roles."""
