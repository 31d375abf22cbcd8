"""Kefu's AWS CDK app: ``python infra/app.py`` (or ``cdk synth``)."""
