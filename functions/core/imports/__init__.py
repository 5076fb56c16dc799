"""Reading the files a project is imported from (Todoist CSV, Trello board JSON, TaskFlow's
own export) into one plan: pure functions, no database."""
