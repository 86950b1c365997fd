"""GraphQL documents the tests send, written as a client would."""

AVAILABLE_DAYS = """
query Days($service: ID!, $location: ID!, $from: Date!, $to: Date!) {
  availableDays(service: $service, location: $location, from: $from, to: $to)
}"""

AVAILABLE_SLOTS = """
query Slots($service: ID!, $location: ID!, $date: Date!) {
  availableSlots(service: $service, location: $location, date: $date) {
    start end localTime remaining
  }
}"""

HOLD_SLOT = """
mutation Hold($input: HoldSlotInput!) {
  holdSlot(input: $input) { hold { id start end expiresAt } holdSecret errors { code field } }
}"""

RELEASE_HOLD = """
mutation Release($input: ReleaseHoldInput!) {
  releaseHold(input: $input) { released errors { code field } }
}"""

BOOK = """
mutation Book($input: BookAppointmentInput!) {
  bookAppointment(input: $input) {
    booking {
      id code status start end name email phone language channel source
      service { slug } location { slug } assignedStaff { name }
    }
    manageToken replayed errors { code field }
  }
}"""

BOOKING = """
query Booking($code: String!, $token: String!) {
  booking(code: $code, token: $token) { code status start service { slug } }
}"""

CANCEL = """
mutation Cancel($input: ManageBookingInput!) {
  cancelBooking(input: $input) { booking { code status } errors { code field } }
}"""

RESCHEDULE = """
mutation Reschedule($input: RescheduleBookingInput!) {
  rescheduleBooking(input: $input) { booking { code status start } errors { code field } }
}"""

STAFF_CANCEL = """
mutation StaffCancel($input: StaffCancelBookingInput!) {
  staffCancelBooking(input: $input) { booking { code status } errors { code field } }
}"""

LOCATION_BOOKINGS = """
query LocationBookings($location: ID!, $date: Date!, $offset: Int, $limit: Int) {
  locationBookings(location: $location, date: $date, offset: $offset, limit: $limit) {
    totalCount offset limit hasNextPage
    items { code start name service { slug } assignedStaff { name } }
  }
}"""

CITIZEN = {"name": "Max Mustermann", "email": "max@example.com"}

DRAW = """
mutation Draw($input: DrawTicketInput!) {
  drawTicket(input: $input) {
    ticket { id number service statusToken position estimatedWaitMinutes }
    errors { code field }
  }
}"""

CHECK_IN = """
mutation CheckIn($input: CheckInInput!) {
  checkIn(input: $input) { ticket { id number position statusToken } errors { code field } }
}"""

SIGN_IN = """
mutation SignIn($input: ServicePointInput!) {
  signInToServicePoint(input: $input) { servicePoint { name signedIn } errors { code } }
}"""

TICKET_FIELDS = "ticket { id number status source servicePoint recallCount bookingCode name }"

CALL_NEXT = f"""
mutation CallNext($input: ServicePointInput!) {{
  callNextTicket(input: $input) {{ {TICKET_FIELDS} errors {{ code field }} }}
}}"""


def ticket_action(name: str, input_type: str = "TicketInput") -> str:
    return f"""
mutation Act($input: {input_type}!) {{
  {name}(input: $input) {{ {TICKET_FIELDS} errors {{ code field }} }}
}}"""


BOARD = """
query Board($location: ID!) {
  queueBoard(location: $location) {
    called { number servicePoint recalls serving }
    waiting { service prefix count estimatedWaitMinutes }
    recalled
  }
}"""

TICKET_STATUS = """
query Status($ticket: ID!, $token: String!) {
  ticketStatus(ticket: $ticket, token: $token) {
    number status position estimatedWaitMinutes servicePoint
  }
}"""
