"""The directing-and-operating register (sổ đăng ký văn bản đi/đến): books, numbering,
workflow, storage, the web service and pages."""
