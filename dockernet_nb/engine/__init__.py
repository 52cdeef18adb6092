"""The engine edge: everything that knows a Docker engine exists.

``connection`` finds the engine and translates its errors into the course's family; ``labels``
says what the course made; ``objects`` finds course containers and networks (and refuses a learner's
own); ``sweep`` lists and removes course objects; ``provision`` and ``images`` get an engine and the
course images onto a machine. Verbs above this layer never call the Docker SDK except through here.
"""
