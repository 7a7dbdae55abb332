"""DICOM de-identification core: PS3.15 Annex E Basic Profile + options, HIPAA Safe Harbor, streamed pixels."""
